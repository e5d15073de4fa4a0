import http from 'node:http';
import type { AddressInfo } from 'node:net';

/** A stand-in OpenAI-compatible chat-completions server: answers each request with the next text, records what it was sent. */
export interface ChatServer {
  url: string;
  requests: { path: string; authorization?: string; body: { model: string; messages: { role: string; content: string }[]; temperature: number } }[];
  close(): Promise<void>;
}

export async function startChatServer(answer: (call: number) => string): Promise<ChatServer> {
  const requests: ChatServer['requests'] = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => (body += chunk));
    req.on('end', () => {
      requests.push({ path: req.url ?? '', authorization: req.headers.authorization, body: JSON.parse(body) });
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ choices: [{ index: 0, message: { role: 'assistant', content: answer(requests.length - 1) } }] }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/v1`, requests, close: () => new Promise((resolve) => server.close(() => resolve())) };
}
