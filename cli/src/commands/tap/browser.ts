import { spawn } from 'node:child_process';

/**
 * Opens `url` in the user's browser like `gh auth login`: `$BROWSER` when set, else the
 * platform opener (`open`, `xdg-open` with a display, `cmd /c start`). Returns false when
 * there is no way to open one (a headless box: no `$BROWSER`, no `$DISPLAY`/
 * `$WAYLAND_DISPLAY`), so the caller prints the URL instead.
 *
 * @example
 * ```ts
 * if (!openBrowser(url)) stderr.write(`Open this URL on any device: ${url}\n`);
 * ```
 */
export function openBrowser(url: string, env: NodeJS.ProcessEnv = process.env): boolean {
  const command = opener(env);
  if (!command) return false;
  try {
    const child = spawn(command[0]!, [...command.slice(1), url], {
      stdio: 'ignore',
      detached: true,
    });
    child.on('error', () => {});
    child.unref();
    return true;
  } catch {
    return false;
  }
}

function opener(env: NodeJS.ProcessEnv): string[] | undefined {
  if (env.BROWSER) return env.BROWSER.split(' ').filter(Boolean);
  if (process.platform === 'darwin') return ['open'];
  if (process.platform === 'win32') return ['cmd', '/c', 'start', ''];
  if (env.DISPLAY || env.WAYLAND_DISPLAY) return ['xdg-open'];
  return undefined;
}
