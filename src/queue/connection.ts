import { Redis, type RedisOptions } from 'ioredis';
import { UserError, describeError } from '../util/errors.ts';

/**
 * Where a queue lives: a Redis (6.2+) or Valkey server named by a URL, `redis://` or `rediss://` (TLS),
 * with an optional user and password and a database number, and the queue's name on that server.
 */
export interface QueueAddress {
  url: string;
  /** The URL with its password replaced by `***`: what messages show. */
  display: string;
  name: string;
}

/** BullMQ uses `:` to build its keys, so a queue name keeps to plain characters. */
const QUEUE_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$/;
const MINIMUM_VERSION = [6, 2];

export function redactUrl(url: URL): string {
  if (url.password === '') return url.href;
  const copy = new URL(url.href);
  copy.password = '***';
  return copy.href;
}

/**
 * Checks a `--queue` URL and `--queue-name` the way a flag is checked: one line naming what is wrong.
 * A URL without a password takes `password` (the settings' $CULTUNE_REDIS_PASSWORD), so that the
 * password need not appear on a command line (where other users of the machine can read it in the
 * process list).
 */
export function parseQueueAddress(text: string, name = 'cultune', password?: string): QueueAddress {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new UserError(`--queue ${JSON.stringify(text)} is not a URL; expected redis://[[user]:password@]host[:port][/db] or rediss://... for TLS`);
  }
  const display = redactUrl(url);
  if (url.protocol !== 'redis:' && url.protocol !== 'rediss:') {
    throw new UserError(`--queue ${display}: the scheme must be redis:// or rediss:// (TLS), not ${url.protocol}//`);
  }
  if (url.hostname === '') throw new UserError(`--queue ${display} names no host`);
  if (!/^(\/\d{0,5})?$/.test(url.pathname)) throw new UserError(`--queue ${display}: the path must be a database number, like /0`);
  if (url.search !== '' || url.hash !== '') throw new UserError(`--queue ${display}: query strings and fragments are not supported`);
  if (!QUEUE_NAME.test(name)) {
    throw new UserError(`--queue-name ${JSON.stringify(name)}: use letters, digits, '_', '.' and '-' (at most 100, starting with a letter or digit)`);
  }
  if (url.password === '' && password) url.password = encodeURIComponent(password);
  return { url: url.href, display: redactUrl(url), name };
}

/**
 * The options of every Redis connection the queue opens. BullMQ wants `maxRetriesPerRequest: null`
 * so that its blocking commands survive a reconnect; the retry strategy keeps reconnecting (every 0.1 s
 * at first, then every second) for as long as the process lives, so a Redis restart loses nothing.
 */
export function connectionOptions(address: QueueAddress): RedisOptions & { url: string } {
  return { url: address.url, maxRetriesPerRequest: null, retryStrategy: (times) => Math.min(times * 100, 1000) };
}

function versionOf(info: string): number[] | undefined {
  const match = /^redis_version:(\d+)\.(\d+)/m.exec(info);
  return match ? [Number(match[1]), Number(match[2])] : undefined;
}

/**
 * ioredis selects the URL's database when it connects, but where the server has no such database it
 * only emits an error and goes on with database 0: the queue would be another one than the URL says.
 */
async function selectDatabase(client: Redis, address: QueueAddress): Promise<void> {
  const db = Number(new URL(address.url).pathname.slice(1) || '0');
  try {
    await client.select(db);
  } catch (error) {
    throw new UserError(`${address.display}: the server has no database ${db} (${describeError(error)}); name one it has, like /0`);
  }
}

/**
 * Connects once, without retrying, so that a wrong host, password or TLS setting is one clear line at
 * start instead of a process that reconnects forever; and refuses a server older than Redis 6.2.
 */
export async function checkServer(address: QueueAddress, timeoutMs = 5000): Promise<void> {
  const client = new Redis(address.url, { lazyConnect: true, connectTimeout: timeoutMs, maxRetriesPerRequest: 0, retryStrategy: () => null });
  let lastError: unknown;
  client.on('error', (error) => (lastError = error));
  try {
    await client.connect();
    await selectDatabase(client, address);
    const version = versionOf(await client.info('server'));
    if (version && (version[0] < MINIMUM_VERSION[0] || (version[0] === MINIMUM_VERSION[0] && version[1] < MINIMUM_VERSION[1]))) {
      throw new UserError(`${address.display} runs Redis ${version.join('.')}; the queue needs Redis 6.2 or newer (or Valkey)`);
    }
  } catch (error) {
    if (error instanceof UserError) throw error;
    const reason = describeError(lastError ?? error).replace(/\s+/g, ' ');
    throw new UserError(`cannot use Redis at ${address.display}: ${reason}`);
  } finally {
    client.disconnect();
  }
}
