// Browser test: drives Debian's Chromium (headless, through playwright-core)
// against the Jupyter Notebook server that run.sh started. See run.sh.
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { check, finish, launch, requireEnv } from './lib.mjs';

const base = process.env.NB_URL;
const token = process.env.NB_TOKEN;
const kernel = process.env.NB_KERNEL || 'gopherprop';
const mnist = process.env.NB_MNIST || '';
const unrun = (process.env.NB_UNRUN || '').split(/\s+/).filter(Boolean);
const nbDir = process.env.NB_DIR || '';
const artifacts = process.env.ARTIFACTS;
const profile = process.env.PROFILE_DIR;
requireEnv('test.mjs', base, token, artifacts, profile);

// Waits for fn (run in the page) to return a truthy value; returns it, or
// null after timeoutMs.
async function waitFor(page, fn, arg, timeoutMs) {
  try {
    const h = await page.waitForFunction(fn, arg, { timeout: timeoutMs, polling: 100 });
    return await h.jsonValue();
  } catch (e) {
    if (e.name === 'TimeoutError' || /Timeout/.test(e.message)) return null;
    throw e;
  }
}

// Waits until probe(cell) — run in the page on the i-th code cell — returns
// a truthy value, and returns it. Gives up early, returning null, when the
// cell (or an earlier one) shows an error, or when the kernel has gone idle
// with the cell not run (Run All stops at the first error); and after
// timeoutMs.
async function waitCell(page, i, probe, timeoutMs) {
  const end = Date.now() + timeoutMs;
  let idleSince = 0;
  for (;;) {
    const st = await page.evaluate(
      ({ i, src }) => {
        const cells = [...document.querySelectorAll('#notebook-container .code_cell')];
        const c = cells[i];
        if (!c) return { missing: true };
        const probe = new Function('cell', 'return (' + src + ')(cell)');
        const val = probe(c);
        const errAt = cells.slice(0, i + 1).findIndex((x) => x.querySelector('.output_error'));
        const idle = document.querySelector('#kernel_indicator_icon').classList.contains('kernel_idle_icon');
        const prompt = c.querySelector('.input_prompt').innerText;
        return { val, errAt, idle, prompt };
      },
      { i, src: probe.toString() },
    );
    if (st.val) return st.val;
    if (st.missing || st.errAt >= 0) return null;
    if (st.idle && !/\*/.test(st.prompt)) {
      idleSince = idleSince || Date.now();
      if (Date.now() - idleSince > 5000) return null;
    } else {
      idleSince = 0;
    }
    if (Date.now() > end) return null;
    await page.waitForTimeout(150);
  }
}

const codeCell = (i) => `#notebook-container .code_cell >> nth=${i}`;

// Text of the outputs of the i-th code cell.
const outputText = (page, i) => page.locator(codeCell(i)).locator('.output_area').allInnerTexts().then((a) => a.join('\n'));

// Opens a notebook and waits until its kernel is connected and idle.
async function openNotebook(page, name) {
  await page.goto(`${base}/notebooks/${encodeURIComponent(name)}?token=${token}`);
  const ready = await waitFor(
    page,
    () =>
      window.Jupyter && Jupyter.notebook && Jupyter.notebook._fully_loaded && Jupyter.notebook.kernel &&
      Jupyter.notebook.kernel.is_connected() &&
      document.querySelector('#kernel_indicator_icon').classList.contains('kernel_idle_icon'),
    null,
    60000,
  );
  return !!ready;
}

// Clicks Cell > Run All in the menu bar, as a user would.
async function runAll(page) {
  await page.locator('#celllink').click();
  await page.locator('#run_all_cells > a').click();
}

// Saves a screenshot of the whole notebook: the page scrolls inside
// #site, so the viewport is made as tall as the notebook first.
async function screenshot(page, path) {
  const h = await page.evaluate(() => document.querySelector('#notebook-container').scrollHeight + 160);
  await page.setViewportSize({ width: 1100, height: Math.min(Math.max(h, 600), 8000) });
  await page.evaluate(() => {
    document.querySelector('#site').scrollTop = 0;
    window.scrollTo(0, 0);
  });
  await page.waitForTimeout(300);
  await page.screenshot({ path });
  await page.setViewportSize({ width: 1100, height: 900 });
}

// Opens the committed notebook name (a path under NB_DIR) without running
// it. Jupyter does not trust it (its signature is not in this server's
// fresh database), so it refuses SVG; every output of the file that holds
// a picture (image/png or image/svg+xml) must show as a loaded <img>, not
// as its text/plain fallback.
async function checkUnrun(page, name) {
  const nb = JSON.parse(readFileSync(join(nbDir, name), 'utf8'));
  // Per code cell: the number of picture outputs and their text/plain forms.
  const want = nb.cells
    .filter((c) => c.cell_type === 'code')
    .map((c) => {
      const pics = (c.outputs || []).filter((o) => o.data && (o.data['image/png'] || o.data['image/svg+xml']));
      const text = (d) => (Array.isArray(d) ? d.join('') : d || '');
      return { n: pics.length, texts: pics.map((o) => text(o.data['text/plain'])).filter(Boolean) };
    });
  const total = want.reduce((a, w) => a + w.n, 0);
  if (!check(await openNotebook(page, name), `${name} (committed, not run) opens`)) return;
  const trusted = await page.evaluate(() => Jupyter.notebook.trusted);
  check(trusted === false, `${name} is untrusted when opened unrun`, `trusted: ${trusted}`);
  check(total > 0, `${name} holds pictures (${total})`);
  // Images load asynchronously: wait until every expected one has.
  const got = await waitFor(
    page,
    (want) => {
      const cells = [...document.querySelectorAll('#notebook-container .code_cell')];
      const res = want.map((w, i) => {
        const c = cells[i];
        if (!c) return { imgs: -1, fallback: [] };
        const imgs = [...c.querySelectorAll('.output_area img')].filter((im) => im.complete && im.naturalWidth > 0).length;
        const shown = [...c.querySelectorAll('.output_area .output_text:not(.output_stream)')].map((e) => e.innerText.trim());
        return { imgs, fallback: w.texts.filter((t) => shown.includes(t.trim())) };
      });
      return res.every((r, i) => r.imgs >= want[i].n) ? res : null;
    },
    want,
    30000,
  );
  const res =
    got ||
    (await page.evaluate((want) => {
      const cells = [...document.querySelectorAll('#notebook-container .code_cell')];
      return want.map((w, i) => {
        const c = cells[i];
        const imgs = c ? [...c.querySelectorAll('.output_area img')].filter((im) => im.complete && im.naturalWidth > 0).length : -1;
        const shown = c ? [...c.querySelectorAll('.output_area .output_text:not(.output_stream)')].map((e) => e.innerText.trim()) : [];
        return { imgs, fallback: w.texts.filter((t) => shown.includes(t.trim())) };
      });
    }, want));
  want.forEach((w, i) => {
    if (w.n === 0) return;
    check(
      res[i].imgs >= w.n && res[i].fallback.length === 0,
      `${name}: code cell ${i + 1} shows its ${w.n} picture(s) as loaded <img>`,
      `${res[i].imgs} loaded <img>; text fallback shown: ${JSON.stringify(res[i].fallback)}`,
    );
  });
  mkdirSync(artifacts, { recursive: true });
  const shot = join(artifacts, 'unrun-' + name.split('/').pop().replace(/\.ipynb$/, '') + '.png');
  await screenshot(page, shot);
  console.log(`     screenshot: ${shot}`);
}

const kernelIdle = () => document.querySelector('#kernel_indicator_icon').classList.contains('kernel_idle_icon');

const ctx = await launch(profile, { width: 1100, height: 900 });
const t0 = Date.now();
try {
  const page = ctx.pages()[0] || (await ctx.newPage());
  page.on('pageerror', (e) => console.log(`page error: ${e.message}`));

  // ---- the test notebook
  if (!check(await openNotebook(page, 'browser-test.ipynb'), 'notebook opens and its kernel starts and is idle')) {
    throw new Error('kernel did not start');
  }
  const kname = await page.locator('#kernel_indicator .kernel_indicator_name').innerText();
  if (kernel === 'gopherprop') {
    check(kname.trim() === 'Go (gopherprop)', 'the kernel is "Go (gopherprop)"', `shown: ${kname}`);
  }
  const tRun = Date.now();
  await runAll(page);

  const hello = await waitCell(page, 0, (c) => {
    const t = c.querySelector('.output_area');
    return t && /hello from gopherprop/.test(t.innerText) ? t.innerText : null;
  }, 60000);
  check(hello !== null, 'cell 1 prints text', hello === null ? await outputText(page, 0) : '');

  const table = await waitCell(page, 1, (c) => {
    const t = c.querySelector('.output_html table');
    return t ? t.innerText : null;
  }, 60000);
  check(table !== null && /6/.test(table), 'cell 2 shows an HTML <table> with the matrix', table === null ? await outputText(page, 1) : table);

  const img = await waitCell(page, 2, (c) => {
    const i = c.querySelector('.output_area img');
    return i && i.complete && i.naturalWidth > 0 ? { w: i.naturalWidth, h: i.naturalHeight } : null;
  }, 60000);
  check(img !== null, 'cell 3 shows a plot <img> that has loaded (naturalWidth > 0)', img ? '' : await outputText(page, 2));
  if (img) console.log(`     plot image ${img.w}×${img.h}`);

  // ---- interrupt the running loop
  const tick = await waitCell(page, 3, (c) => {
    const t = c.querySelector('.output_area');
    return t && /tick 0/.test(t.innerText);
  }, 60000);
  check(!!tick, 'cell 4 (a long loop) is running and printing');
  if (tick) {
    const busy = await page.evaluate(() => !document.querySelector('#kernel_indicator_icon').classList.contains('kernel_idle_icon'));
    check(busy, 'the kernel is busy while the loop runs');
    console.log(`     run all → loop running: ${((Date.now() - tRun) / 1000).toFixed(1)} s`);
    const tInt = Date.now();
    await page.locator('#maintoolbar-container button[data-jupyter-action="jupyter-notebook:interrupt-kernel"]').click();
    const stopped = await waitFor(page, kernelIdle, null, 15000);
    const stopSecs = (Date.now() - tInt) / 1000;
    check(!!stopped, 'Interrupt (toolbar button) stops the loop: the kernel is idle again', `still busy after ${stopSecs}s`);
    if (stopped) console.log(`     interrupt → idle: ${stopSecs.toFixed(2)} s`);
    await page.waitForTimeout(300);
    const loopOut = await outputText(page, 3);
    const loopStdout = (await page.locator(codeCell(3)).locator('.output_stdout').allInnerTexts()).join('\n');
    check(/tick 0/.test(loopStdout) && !/^loop finished$/m.test(loopStdout), 'the loop did not run to its end', loopStdout.slice(-200));
    check(/interrupt/i.test(loopOut), 'the loop cell shows an interrupt error', loopOut.slice(-300));
    const prompt = await page.locator(codeCell(3)).locator('.input_prompt').innerText();
    check(!/\*/.test(prompt), 'the loop cell no longer shows In [*]', prompt);
  } else {
    check(false, 'Interrupt stops a running loop', 'not tested: the loop cell did not start');
  }

  // No error outputs in the first three cells.
  const errs = await page.evaluate(() =>
    [...document.querySelectorAll('#notebook-container .code_cell')].slice(0, 3).map((c) => c.querySelectorAll('.output_error, .output_stderr').length),
  );
  check(errs.every((n) => n === 0), 'no error output in cells 1-3', JSON.stringify(errs));

  // The kernel still works after the interrupt.
  await page.evaluate(() => {
    const c = Jupyter.notebook.insert_cell_at_bottom('code');
    c.set_text(window.Jupyter.notebook.metadata.kernelspec.name === 'python3' ? 'print(6*7)' : 'fmt.Println(6 * 7)');
    c.execute();
  });
  const after = await waitFor(page, () => {
    const cs = document.querySelectorAll('#notebook-container .code_cell');
    const t = cs[cs.length - 1].querySelector('.output_area');
    return t && /42/.test(t.innerText);
  }, null, 30000);
  check(!!after, 'the kernel runs a new cell after the interrupt');

  mkdirSync(artifacts, { recursive: true });
  await screenshot(page, join(artifacts, 'notebook.png'));
  console.log(`     screenshot: ${join(artifacts, 'notebook.png')}`);

  // ---- committed notebooks opened without running them (untrusted)
  for (const name of unrun) {
    await checkUnrun(page, name);
  }

  // ---- the MNIST notebook, when it exists
  if (mnist) {
    const tm = Date.now();
    check(await openNotebook(page, mnist), `${mnist} opens and its kernel is idle`);
    // Start from a clean page: Cell > All Output > Clear.
    await page.evaluate(() => Jupyter.notebook.clear_all_output());
    await runAll(page);
    const budget = Number(process.env.BROWSER_TEST_MNIST_TIMEOUT || 900) * 1000;
    const done = await waitFor(page, () => {
      const idle = document.querySelector('#kernel_indicator_icon').classList.contains('kernel_idle_icon');
      const cells = [...document.querySelectorAll('#notebook-container .code_cell')];
      const running = cells.some((c) => /\*/.test(c.querySelector('.input_prompt').innerText));
      const err = cells.findIndex((c) => c.querySelector('.output_error'));
      if (err >= 0) return { error: err, text: cells[err].querySelector('.output_error').innerText.slice(0, 500) };
      // Done when idle with the non-empty code cells numbered 1, 2, 3, ...
      // in order (a fresh kernel), so that outputs saved in the file can't
      // pass for a run.
      const counts = cells
        .filter((c) => c.querySelector('.input_area').innerText.trim() !== '')
        .map((c) => (c.querySelector('.input_prompt').innerText.match(/\[(\d+)\]/) || [])[1]);
      const inOrder = counts.every((n, k) => Number(n) === k + 1);
      return idle && !running && inOrder ? { ok: true, cells: counts.length } : null;
    }, null, budget);
    const secs = ((Date.now() - tm) / 1000).toFixed(0);
    check(done && done.ok, `${mnist} runs to the end with no error (${secs} s)`, JSON.stringify(done));
    const imgs = await page.evaluate(() => [...document.querySelectorAll('#notebook-container .output_area img')].filter((i) => i.complete && i.naturalWidth > 0).length);
    check(imgs > 0, `${mnist} shows loaded images (${imgs})`);
    await screenshot(page, join(artifacts, 'mnist.png'));
    console.log(`     screenshot: ${join(artifacts, 'mnist.png')}`);
    // A README-sized picture of the training: the first cell whose output
    // holds both a table and an image (the growing table and loss curve).
    await page.setViewportSize({ width: 1100, height: 1000 });
    await page.waitForTimeout(500);
    const found = await page.evaluate(() => {
      const cell = [...document.querySelectorAll('#notebook-container .code_cell')].find(
        (c) => c.querySelector('.output_wrapper table') && c.querySelector('.output_wrapper img, .output_wrapper svg'),
      );
      if (!cell) return false;
      const out = cell.querySelector('.output_wrapper');
      const site = document.querySelector('#site');
      site.scrollTop += out.getBoundingClientRect().top - site.getBoundingClientRect().top - 140;
      return true;
    });
    if (found) {
      await page.waitForTimeout(300);
      await page.screenshot({ path: join(artifacts, 'mnist-training.png') });
      console.log(`     screenshot: ${join(artifacts, 'mnist-training.png')}`);
    }
  }
} catch (e) {
  check(false, 'browser test ran without an exception', e.stack || String(e));
} finally {
  await ctx.close();
}
console.log(`browser test took ${((Date.now() - t0) / 1000).toFixed(1)} s`);
finish('browser');
