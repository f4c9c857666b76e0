// Shared by the browser tests that run.sh starts (test.mjs, widgets.mjs):
// the start-up check, the pass/fail count and Chromium's launch.
import { chromium } from 'playwright-core';

// requireEnv exits with status 2, naming script, unless every value (of the
// environment variables run.sh sets) is non-empty.
export function requireEnv(script, ...values) {
  if (values.some((v) => !v)) {
    console.error(`${script} is started by tests/browser/run.sh`);
    process.exit(2);
  }
}

const count = { passed: 0, failed: 0 };

// check counts and prints one result; it returns cond.
export function check(cond, what, detail = '') {
  if (cond) {
    count.passed++;
    console.log(`ok   ${what}`);
  } else {
    count.failed++;
    console.log(`FAIL ${what}${detail ? ': ' + detail : ''}`);
  }
  return cond;
}

// finish prints the count under name and exits, with status 1 if a check
// failed.
export function finish(name) {
  console.log(`${name}: ${count.passed} passed, ${count.failed} failed`);
  process.exit(count.failed === 0 ? 0 : 1);
}

// launch starts Debian's Chromium headless with the profile directory
// profile and a page of the given viewport size.
export function launch(profile, viewport) {
  return chromium.launchPersistentContext(profile, {
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
    viewport,
  });
}
