// End-to-end check of the API docs page (static/docs.html, Swagger UI on
// the server's /openapi.json) in Debian's Chromium, driven by
// playwright-core: the page lists the documented operations, and one
// request sent through "Try it out" reaches the server and shows its
// answer.
//
//   node e2e/docs.mjs --url http://127.0.0.1:8080 [--artifacts DIR]
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { chromium } from "playwright-core";

const { values: opt } = parseArgs({
  options: {
    url: { type: "string" },
    artifacts: { type: "string" },
    chromium: { type: "string", default: "/usr/bin/chromium" },
  },
});
if (!opt.url) throw new Error("--url is required");

const profile = mkdtempSync(path.join(tmpdir(), "docs-e2e-"));
const context = await chromium.launchPersistentContext(profile, {
  executablePath: opt.chromium,
  headless: true,
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
  viewport: { width: 1280, height: 1000 },
});
const page = await context.newPage();
page.setDefaultTimeout(15_000);
const problems = [];
page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
page.on("console", (m) => {
  // The page has no favicon; Chromium asks for one.
  if (m.type() === "error" && !/favicon|status of 404/.test(m.text() + (m.location()?.url ?? ""))) problems.push(`console: ${m.text()}`);
});
const shot = (suffix) => (opt.artifacts ? page.screenshot({ path: path.join(opt.artifacts, `docs${suffix}.png`), fullPage: true }) : null);
try {
  const author = await fetch(new URL("/v1/authors", opt.url), {
    method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ displayName: "Ursula" }),
  });
  assert.equal(author.status, 200);
  await page.goto(new URL("/docs.html", opt.url).href);
  // Every documented operation is listed.
  await page.locator(".opblock").first().waitFor();
  const paths = await page.locator(".opblock .opblock-summary-path").allTextContents();
  const spec = await (await fetch(new URL("/openapi.json", opt.url))).json();
  let want = 0;
  for (const item of Object.values(spec.paths)) want += Object.keys(item).length;
  assert.equal(paths.length, want, `operations listed: ${paths.length}, documented: ${want}`);
  for (const p of ["/v1/books", "/v1/books/{id}", "/v1/authors"]) {
    assert.ok(paths.map((s) => s.replace(/\u200b/g, "")).includes(p), `${p} is listed among ${paths}`);
  }
  // One request through the page: list the authors.
  const op = page.locator("#operations-AuthorService-AuthorService_ListAuthors");
  await op.locator(".opblock-summary").click();
  await op.getByRole("button", { name: "Try it out" }).click();
  await op.getByRole("button", { name: "Execute" }).click();
  const status = op.locator(".live-responses-table .response .response-col_status").first();
  await status.waitFor();
  assert.equal((await status.textContent()).trim(), "200");
  const body = await op.locator(".live-responses-table .response-col_description pre").first().textContent();
  assert.match(body, /"displayName": "Ursula"/);
  assert.deepEqual(problems, []);
  await shot("");
  console.log(`docs: ok (${paths.length} operations)`);
} catch (err) {
  await shot("-failed")?.catch(() => {});
  console.error(`docs: ${err.stack ?? err}`);
  process.exitCode = 1;
} finally {
  await context.close();
  rmSync(profile, { recursive: true, force: true });
}
