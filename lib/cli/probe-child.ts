/**
 * The loader process (started by loader.ts): loads the entry points it is
 * sent on file descriptor 3, one at a time, and answers on descriptor 4 with
 * what each gave (one message a line: channel.ts). It leaves when descriptor
 * 3 ends: the command is done, or gone.
 *
 * What a plugin prints goes, as in any program, to this process's stdout and
 * stderr: two pipes the command reads, apart from its own output. After each
 * load, a marker is written to both, so that the command knows where the
 * output of one entry point ends, whichever way the plugin wrote it.
 */
import { Socket } from 'node:net';
import { Worker } from 'node:worker_threads';
import { FrameReader, frame } from './channel';
import type { EntryPointData, LoadOutcome } from './inspect';
import { loadAndDescribe, serializeError } from './inspect';

/** Whether this process leads a process group of its own (POSIX): leaving, it ends the group. */
const OWN_GROUP = process.argv.includes('--own-group');

interface Request {
  id: number;
  nonce: string;
  entryPoint: EntryPointData;
}

const requests = new Socket({ fd: 3, readable: true, writable: false });
const answers = new Socket({ fd: 4, readable: false, writable: true });
// Answers are written synchronously too: they must be out before a plugin's process.exit() or endless loop.
(answers as unknown as { _handle?: { setBlocking?: (blocking: boolean) => void } })._handle?.setBlocking?.(true);
answers.on('error', () => leave());

// Plugins may replace these; the loader keeps its own.
const writers = {
  stdout: process.stdout.write.bind(process.stdout),
  stderr: process.stderr.write.bind(process.stderr),
};

for (const stream of [process.stdout, process.stderr]) {
  // Write as to a terminal, synchronously: what a plugin printed is not lost if it exits, a raw
  // fs.writeSync(1) never meets EAGAIN, and the marker follows everything written before it.
  (stream as unknown as { _handle?: { setBlocking?: (blocking: boolean) => void } })._handle?.setBlocking?.(true);
  // EPIPE, EBADF (the plugin closed it): the command sees the pipe end; nothing to do here.
  stream.on('error', () => {});
}

/** Writes to stdout or stderr with the loader's own writer; never throws. */
function write(stream: 'stdout' | 'stderr', text: string): void {
  try {
    writers[stream](text);
  } catch {
    // A stream the plugin broke: its end shows in the command.
  }
}

/** Ends the loader and, when it leads one, its whole process group (what the plugins started). */
function leave(): never {
  if (OWN_GROUP) {
    try {
      process.kill(-process.pid, 'SIGKILL');
    } catch {
      // not a group leader after all
    }
  }
  process.exit(0);
}

// A plugin may throw or reject later, from a timer: note it, keep serving.
let reporting = false;
const reportLate = (what: string, err: unknown): void => {
  if (reporting) return;
  reporting = true;
  write('stderr', `${what} after loading: ${(err as Error)?.stack ?? String(err)}\n`);
  reporting = false;
};
const onException = (err: unknown): void => reportLate('uncaught exception', err);
const onRejection = (reason: unknown): void => reportLate('unhandled rejection', reason);

const onRequest = (raw: Record<string, unknown>): void => {
  const message = raw as unknown as Request;
  if (typeof message.id !== 'number' || typeof message.nonce !== 'string') return;
  if (message.entryPoint === null || typeof message.entryPoint !== 'object') return;
  reply({ started: message.id, nonce: message.nonce });
  void outcomeOf(message.entryPoint).then((outcome) => {
    keepListening();
    const marker = `\u0000stevedore-loaded:${message.nonce}\u0000`;
    write('stdout', marker);
    write('stderr', marker);
    reply({ id: message.id, nonce: message.nonce, outcome });
  });
};

/** What loading gave, bounded in size; whatever the plugin threw, never a rejection. */
async function outcomeOf(entryPoint: EntryPointData): Promise<LoadOutcome> {
  try {
    return bounded(await loadAndDescribe(entryPoint));
  } catch (err) {
    try {
      return bounded({ loaded: false, error: serializeError(err) });
    } catch {
      // An error whose name or message getters throw, a Proxy...
      const message = 'loading failed with a value that cannot be described';
      return { loaded: false, error: { name: 'Error', message, code: null, stack: null, causes: [] } };
    }
  }
}

/** At most this many members are listed, and strings are cut at this many characters. */
const MAX_MEMBERS = 1000;
const MAX_STRING = 64 * 1024;

/** The outcome with long strings cut and long lists shortened (a plugin may export a million names). */
function bounded(outcome: LoadOutcome): LoadOutcome {
  const cut = (text: string): string =>
    text.length > MAX_STRING ? `${text.slice(0, MAX_STRING)}… (${text.length - MAX_STRING} more characters)` : text;
  const list = (items: readonly string[]): string[] =>
    items.length > MAX_MEMBERS
      ? [...items.slice(0, MAX_MEMBERS).map(cut), `… (${items.length - MAX_MEMBERS} more)`]
      : items.map(cut);
  if (outcome.loaded) {
    const { plugin } = outcome;
    return {
      ...outcome,
      plugin: {
        kind: cut(plugin.kind),
        name: plugin.name === null ? null : cut(plugin.name),
        members: list(plugin.members),
        description: plugin.description === null ? null : cut(plugin.description),
      },
    };
  }
  const { error } = outcome;
  return {
    loaded: false,
    error: {
      name: cut(String(error.name)),
      message: cut(String(error.message)),
      code: error.code === null ? null : cut(String(error.code)),
      stack: error.stack === null ? null : cut(String(error.stack)),
      causes: error.causes.slice(0, MAX_MEMBERS).map((cause) => ({
        name: cut(String(cause.name)),
        message: cut(String(cause.message)),
        code: cause.code === null ? null : cut(String(cause.code)),
      })),
      ...(error.moduleMembers ? { moduleMembers: list(error.moduleMembers) } : {}),
    },
  };
}

function reply(message: object): void {
  try {
    answers.write(frame(message));
  } catch {
    leave();
  }
}

/** Puts back the loader's listeners, should a plugin have removed them. */
function keepListening(): void {
  const on = process.on.bind(process) as (event: string, listener: unknown) => unknown;
  if (!process.listeners('uncaughtException').includes(onException)) on('uncaughtException', onException);
  if (!process.listeners('unhandledRejection').includes(onRejection)) on('unhandledRejection', onRejection);
  if (!requests.listeners('data').includes(onData)) requests.on('data', onData);
  if (!requests.listeners('end').includes(onEnd)) requests.on('end', onEnd);
}

const reader = new FrameReader(onRequest);
const onData = (text: string): void => reader.push(text);
/** The command closed the channel (it is done, or gone), or a plugin broke it: nothing more to do. */
const onEnd = (): never => leave();
requests.setEncoding('utf8');
requests.on('error', onEnd);

// The command may die without a word (SIGKILL, a crash) while a plugin loops here: a thread of its own
// notices that this process was orphaned and ends the group, since the loop keeps this thread from it.
if (OWN_GROUP) {
  const watchdog = new Worker(
    `const { workerData } = require('node:worker_threads');
     setInterval(() => {
       if (process.ppid !== workerData.parent) {
         try { process.kill(-workerData.group, 'SIGKILL'); } catch {}
         process.kill(workerData.group, 'SIGKILL');
       }
     }, 250);`,
    { eval: true, workerData: { parent: process.ppid, group: process.pid }, stdout: false, stderr: false },
  );
  watchdog.unref();
}

keepListening();
// Loading is timed from here on, not from the start of the process.
reply({ ready: true });
