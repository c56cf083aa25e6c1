/**
 * The probe child process (forked by probe.ts): loads the entry points it is
 * sent, one at a time, and replies with what each gave. Whatever the plugin
 * prints while loading is captured and sent along, so it can never reach the
 * command's own stdout (and corrupt `--json`).
 */
import type { EntryPointData } from './inspect';
import { loadAndDescribe, serializeError } from './inspect';

let captured: { stdout: string; stderr: string } = { stdout: '', stderr: '' };

for (const stream of ['stdout', 'stderr'] as const) {
  process[stream].write = ((chunk: string | Uint8Array, ...rest: unknown[]): boolean => {
    captured[stream] += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
    const done = rest.find((arg) => typeof arg === 'function') as (() => void) | undefined;
    done?.();
    return true;
  }) as typeof process.stdout.write;
}

// A plugin may throw or reject later, from a timer: note it, keep serving.
process.on('uncaughtException', (err) => {
  captured.stderr += `uncaught exception after loading: ${err?.stack ?? err}\n`;
});
process.on('unhandledRejection', (reason) => {
  captured.stderr += `unhandled rejection after loading: ${(reason as Error)?.stack ?? reason}\n`;
});

process.on('message', (message: { id: number; entryPoint: EntryPointData }) => {
  captured = { stdout: '', stderr: '' };
  void loadAndDescribe(message.entryPoint)
    .catch((err: unknown) => ({ loaded: false, error: serializeError(err) }))
    .then((outcome) => {
      process.send?.({ id: message.id, outcome, output: captured });
    });
});

// Loading is timed from here on, not from the start of the process.
process.send?.({ ready: true });

// Plugins may leave timers or servers behind: leave when the parent is done.
process.on('disconnect', () => process.exit(0));
