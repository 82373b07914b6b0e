import { chromium, type Browser } from 'playwright-core';

/** Debian's Chromium (apt-get install chromium), never a downloaded browser; CHROMIUM_PATH overrides. */
export async function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}
