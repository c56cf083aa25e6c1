/**
 * The loader process (started by loader.ts): loads the entry points it is
 * sent, one at a time, and replies with what each gave.
 *
 * What a plugin prints goes, as in any program, to this process's stdout and
 * stderr: two pipes the command reads, apart from its own output. After each
 * load, a marker is written to both, so that the command knows where the
 * output of one entry point ends, whichever way the plugin wrote it.
 */
import { Worker } from 'node:worker_threads';
import type { EntryPointData } from './inspect';
import { loadAndDescribe, serializeError } from './inspect';

/** Whether this process leads a process group of its own (POSIX): leaving, it ends the group. */
const OWN_GROUP = process.argv.includes('--own-group');

interface Request {
  id: number;
  nonce: string;
  entryPoint: EntryPointData;
}

// Plugins may replace these; the loader keeps its own.
const send = process.send?.bind(process);
const writers = { stdout: process.stdout.write, stderr: process.stderr.write };

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
    writers[stream].call(process[stream], text);
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

/** The command is gone, or a plugin called process.disconnect(): nothing can be answered any more. */
function onDisconnect(): void {
  write('stderr', 'stevedore loader: the channel to the command closed (process.disconnect()?): ending\n');
  leave();
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

const onMessage = (message: Request): void => {
  if (typeof message?.id !== 'number' || typeof message.nonce !== 'string') return;
  reply({ started: message.id });
  void loadAndDescribe(message.entryPoint)
    .catch((err: unknown) => ({ loaded: false as const, error: serializeError(err) }))
    .then((outcome) => {
      keepListening();
      const marker = `\u0000stevedore-loaded:${message.nonce}\u0000`;
      write('stdout', marker);
      write('stderr', marker);
      reply({ id: message.id, outcome });
    });
};

function reply(message: object): void {
  try {
    send?.(message);
  } catch {
    leave();
  }
}

/** Puts back the loader's listeners, should a plugin have removed them. */
function keepListening(): void {
  const listen = (event: string, listener: (...args: never[]) => void): void => {
    const on = process.on.bind(process) as (event: string, listener: unknown) => unknown;
    if (!process.listeners(event as 'message').includes(listener as never)) on(event, listener);
  };
  listen('message', onMessage);
  listen('disconnect', onDisconnect);
  listen('uncaughtException', onException);
  listen('unhandledRejection', onRejection);
}

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
