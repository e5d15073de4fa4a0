/** Written into every eval and report file, so a result can be traced to the tool that made it. */
export const CULTUNE_VERSION = '0.1.0';
