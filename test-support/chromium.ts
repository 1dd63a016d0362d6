import { existsSync } from 'node:fs';

/** Debian's Chromium (`apt-get install -y chromium`), which the browser tests drive through playwright-core. */
export const CHROMIUM = '/usr/bin/chromium';

/** Whether Chromium is installed; when it is not, says on stderr that `testName` skips and how to install it. */
export function chromiumAvailable(testName: string): boolean {
  const available = existsSync(CHROMIUM);
  if (!available) console.warn(`${testName}: SKIPPED — ${CHROMIUM} is absent (apt-get install -y chromium)`);
  return available;
}

/** playwright-core's `chromium.launch` options: the installed Chromium, headless and off the network. */
export const chromiumLaunchOptions = {
  executablePath: CHROMIUM,
  args: [
    '--headless',
    '--no-sandbox',
    '--disable-gpu',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    '--no-first-run',
  ],
};

/**
 * How long a browser test waits for a page to load or get ready: a guard against hangs, as the test timeout is.
 * Loading a page took over 30 s (Playwright's default) on a 2-core machine that also ran two training runs.
 */
export const PAGE_TIMEOUT_MS = 120_000;
