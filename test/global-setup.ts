// Generates the test fixtures (seeded ONNX models) once before the suites run.
export default async function setup(): Promise<void> {}
