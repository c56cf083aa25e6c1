/** `stevedore cache info|clear`: the on-disk cache of scans (lib/cache.ts). */
import { cacheInfo, clearCache } from '../cache';
import { UsageError } from './args';
import type { Context } from './context';

/** `12.3 kB` */
function formatBytes(bytes: number): string {
  if (bytes < 1000) return `${bytes} B`;
  if (bytes < 1_000_000) return `${(bytes / 1000).toFixed(1)} kB`;
  return `${(bytes / 1_000_000).toFixed(1)} MB`;
}

export function cache(ctx: Context, action: string): number {
  const { dir } = cacheInfo();
  if (action === 'info') {
    const info = cacheInfo(dir);
    ctx.output(info, () =>
      ctx.printer.fields(
        [
          ['folder', info.dir],
          ['status', info.disabled ? `off (${info.disabled})` : 'on'],
          ['files', `${info.files} (${formatBytes(info.bytes)})`],
        ],
        '',
      ),
    );
    return 0;
  }
  if (action === 'clear') {
    const removed = clearCache(dir);
    ctx.output({ dir, removed }, () =>
      ctx.printer.line(`Removed ${removed} cache file${removed === 1 ? '' : 's'} from ${dir}.`),
    );
    return 0;
  }
  throw new UsageError(`unknown cache action '${action}': use 'stevedore cache info' or 'stevedore cache clear'`);
}
