// End-to-end check of the library page in Debian's Chromium, driven by
// playwright-core: over each transport (Connect, gRPC-Web) it adds an
// author, creates books, lists them page by page under a filter, edits one
// through an update mask, deletes and undeletes one, and checks that the
// server's field violations appear next to their inputs.
//
//   node e2e/e2e.mjs --url http://127.0.0.1:8080 [--transports connect,grpc-web] \
//     [--run 1] [--artifacts DIR]
//
// --run makes the names and ISBNs of one run unique on a shared database;
// --artifacts receives a screenshot per transport (library-<transport>.png,
// library-<transport>-failed.png when a check fails).
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { chromium } from "playwright-core";

const { values: opt } = parseArgs({
  options: {
    url: { type: "string" },
    transports: { type: "string", default: "connect,grpc-web" },
    run: { type: "string", default: "1" },
    artifacts: { type: "string" },
    chromium: { type: "string", default: "/usr/bin/chromium" },
  },
});
if (!opt.url) throw new Error("--url is required");
if (!/^\d+$/.test(opt.run)) throw new Error(`--run ${opt.run}: want a whole number`);
const transports = opt.transports.split(",");
for (const t of transports) {
  if (t !== "connect" && t !== "grpc-web") throw new Error(`--transports: ${t}: want connect or grpc-web`);
}

const flags = [
  "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
  "--disable-component-update", "--disable-sync", "--no-first-run",
];
const profile = mkdtempSync(path.join(tmpdir(), "library-e2e-"));
const context = await chromium.launchPersistentContext(profile, {
  executablePath: opt.chromium,
  headless: true,
  args: flags,
  viewport: { width: 1280, height: 1000 },
});
let failed = false;
try {
  for (const [i, transport] of transports.entries()) {
    const page = await context.newPage();
    const shot = (suffix) =>
      opt.artifacts ? page.screenshot({ path: path.join(opt.artifacts, `library-${transport}${suffix}.png`), fullPage: true }) : null;
    try {
      const calls = await check(page, transport, BigInt(opt.run) * 10n + BigInt(i));
      await shot("");
      console.log(`e2e ${transport}: ok (${calls} API calls)`);
    } catch (err) {
      failed = true;
      await shot("-failed")?.catch(() => {});
      console.error(`e2e ${transport}: ${err.stack ?? err}`);
    }
    await page.close();
  }
} finally {
  await context.close();
  rmSync(profile, { recursive: true, force: true });
}
if (failed) process.exitCode = 1;

// check goes through the page over one transport; run sets the names and
// ISBNs apart from other runs'.
async function check(page, transport, run) {
  const label = transport === "grpc-web" ? "gRPC-Web" : "Connect";
  const contentType = transport === "grpc-web" ? "application/grpc-web+proto" : "application/json";
  page.setDefaultTimeout(15_000);

  const problems = [];
  page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
  // Chromium logs each refused Connect call (HTTP 400) as a failed load;
  // those are the violations the test provokes.
  page.on("console", (m) => {
    if (m.type() === "error" && !/status of 400 \(Bad Request\)/.test(m.text())) problems.push(`console: ${m.text()}`);
  });
  // Every API call the page makes, with its HTTP method and content type
  // (a Connect GET's is its encoding query parameter).
  const calls = [];
  page.on("request", (r) => {
    const u = new URL(r.url());
    if (!u.pathname.startsWith("/library.v1.")) return;
    const type = r.method() === "GET" ? `encoding=${u.searchParams.get("encoding")}` : r.headers()["content-type"];
    calls.push({ path: u.pathname, method: r.method(), type, body: r.postDataBuffer() });
  });

  const status = page.getByTestId("status");
  const rows = page.getByTestId("book-row");
  const row = (title) => rows.filter({ has: page.getByTestId("book-title").getByText(title, { exact: true }) });
  async function expectStatus(re) {
    await page.waitForFunction(
      ([sel, src]) => new RegExp(src).test(document.querySelector(sel)?.textContent ?? ""),
      ['[data-testid="status"]', re.source],
    ).catch(async (e) => {
      throw new Error(`status ${JSON.stringify(await status.textContent())} does not match ${re}: ${e.message}`);
    });
  }
  async function expectText(testid, re) {
    const loc = page.getByTestId(testid);
    await loc.filter({ hasText: re }).waitFor().catch(async () => {
      throw new Error(`${testid}: ${JSON.stringify(await loc.textContent())} does not match ${re}`);
    });
  }
  async function titles() {
    return page.getByTestId("book-title").allTextContents();
  }

  await page.goto(new URL("/", opt.url).href);
  await page.waitForSelector("body[data-ready]");
  // Switch to the other transport and back, so the switch itself is used.
  const other = transport === "connect" ? "grpc-web" : "connect";
  await page.getByTestId(`transport-${other}`).check();
  await page.waitForSelector(`body[data-ready="${other}"]`);
  await page.getByTestId(`transport-${transport}`).check();
  await page.waitForSelector(`body[data-ready="${transport}"]`);
  assert.match(page.url(), new RegExp(`transport=${transport}`));
  calls.length = 0;

  // An author: the empty name is refused next to its input, then added.
  await page.getByTestId("author-submit").click();
  await expectText("author-display_name-error", /at least 1 character/);
  assert.equal(await page.getByLabel("Name", { exact: true }).getAttribute("aria-invalid"), "true");
  await page.getByLabel("Name", { exact: true }).fill(`${label} author ${run}`);
  await page.getByTestId("author-submit").click();
  await expectStatus(new RegExp(`^Added author \\d+ via ${label}$`));
  assert.equal(await page.getByTestId("author-display_name-error").textContent(), "");
  const authorId = await page.getByLabel("Author", { exact: true }).inputValue();
  assert.match(authorId, /^\d+$/);

  // A book without a title is refused, the violation next to the title.
  await page.getByTestId("create-submit").click();
  await expectText("create-title-error", /at least 1 character/);
  await expectStatus(new RegExp(`^Creating the book failed via ${label}: invalid_argument`));
  assert.equal(await page.locator("#create-title").getAttribute("aria-invalid"), "true");

  // Three books; the last ISBN is beyond 2^53, which JSON numbers lose.
  const books = [
    { title: `${label} book 1`, isbn: 9780000000000n + run * 10n + 1n, state: "draft", tags: "sf, classic" },
    { title: `${label} book 2`, isbn: 9780000000000n + run * 10n + 2n, state: "published", tags: "" },
    { title: `${label} book 3`, isbn: 18446744073709551615n - run, state: "out of print", tags: "rare" },
  ];
  for (const b of books) {
    await page.locator("#create-title").fill(b.title);
    await page.locator("#create-isbn").fill(String(b.isbn));
    await page.locator("#create-state").selectOption({ label: b.state });
    await page.locator("#create-tags").fill(b.tags);
    await page.getByTestId("create-submit").click();
    await expectStatus(new RegExp(`^Created book \\d+ via ${label}$`));
    assert.equal(await page.getByTestId("create-title-error").textContent(), "", "the error is cleared");
  }

  // A bad filter is reported next to the filter box.
  await page.getByLabel(/^Filter/).fill("author_id =");
  await page.getByTestId("list-submit").click();
  await expectText("list-filter-error", /syntax error/);

  // This author's books, two a page.
  await page.getByLabel(/^Filter/).fill(`author_id = ${authorId}`);
  await page.getByLabel("Page size").selectOption("2");
  await page.getByTestId("list-submit").click();
  await expectStatus(new RegExp(`^Listed 2 books on page 1 via ${label}$`));
  assert.equal(await page.getByTestId("list-filter-error").textContent(), "");
  assert.equal(await rows.count(), 2);
  const seen = await titles();
  assert.ok(await page.getByTestId("next-page").isEnabled(), "a second page");
  assert.ok(await page.getByTestId("prev-page").isDisabled());
  await page.getByTestId("next-page").click();
  await expectStatus(new RegExp(`^Listed 1 book on page 2 via ${label}$`));
  await expectText("page", /^Page 2$/);
  assert.ok(await page.getByTestId("next-page").isDisabled(), "no third page");
  seen.push(...(await titles()));
  assert.deepEqual([...seen].sort(), books.map((b) => b.title).sort(), "every book once across the pages");
  await page.getByTestId("prev-page").click();
  await expectStatus(new RegExp(`^Listed 2 books on page 1 via ${label}$`));

  // The whole list on one page; the uint64 ISBN arrives intact.
  await page.getByLabel("Page size").selectOption("5");
  await expectStatus(new RegExp(`^Listed 3 books on page 1 via ${label}$`));
  await row(books[2].title).getByText(String(books[2].isbn), { exact: true }).waitFor();

  // Edit: only the title changes, and only the title is in the mask.
  await row(books[0].title).getByTestId("edit").click();
  const revised = `${books[0].title} (revised)`;
  await page.locator("#edit-title").fill(revised);
  await page.getByTestId("edit-submit").click();
  await expectStatus(new RegExp(`^Updated book \\d+ \\(update_mask: title, etag 2\\) via ${label}$`));
  await row(revised).getByText("draft", { exact: true }).waitFor();
  await row(revised).getByText("sf, classic", { exact: true }).waitFor();
  const update = calls.findLast((c) => c.path.endsWith("/UpdateBook"));
  assert.ok(update, "an UpdateBook call");
  if (transport === "connect") {
    const sent = JSON.parse(update.body.toString());
    assert.equal(sent.updateMask, "title");
    assert.equal(sent.book.etag, "1");
  }

  // Edit with an empty title: the violation shows next to the edit input.
  await row(revised).getByTestId("edit").click();
  await page.locator("#edit-title").fill("");
  await page.locator("#edit-state").selectOption({ label: "published" });
  await page.getByTestId("edit-submit").click();
  await expectText("edit-title-error", /at least 1 character/);
  await expectStatus(new RegExp(`^Updating the book failed via ${label}: invalid_argument`));
  await page.locator("#edit-cancel").click();
  assert.ok(await page.locator("#edit-section").isHidden());

  // Delete hides the book; "show deleted" brings it back, marked; undelete
  // restores it.
  await row(books[1].title).getByTestId("delete").click();
  await expectStatus(new RegExp(`^Deleted book \\d+ via ${label}$`));
  assert.equal(await row(books[1].title).count(), 0);
  assert.equal(await rows.count(), 2);
  await page.getByTestId("show-deleted").check();
  await expectStatus(new RegExp(`^Listed 3 books on page 1 via ${label}$`));
  await row(books[1].title).getByText("deleted", { exact: true }).waitFor();
  await row(books[1].title).getByTestId("undelete").click();
  await expectStatus(new RegExp(`^Undeleted book \\d+ via ${label}$`));
  assert.equal(await row(books[1].title).getByTestId("undelete").count(), 0);
  assert.equal(await row(books[1].title).getByTestId("delete").count(), 1);

  // The page as left for the screenshot: one book deleted, a violation
  // next to the title of the new book.
  await row(books[2].title).getByTestId("delete").click();
  await expectStatus(new RegExp(`^Deleted book \\d+ via ${label}$`));
  await row(books[2].title).getByText("deleted", { exact: true }).waitFor();
  await page.locator("#create-title").fill("");
  await page.getByTestId("create-submit").click();
  await expectText("create-title-error", /at least 1 character/);

  // Every call went over the chosen transport. Over Connect, the methods
  // the protos mark side-effect free (Get, List, BatchGet) went as GET
  // with the JSON encoding, the others as POST; gRPC-Web posts them all.
  const readOnly = /\/(Get|List|BatchGet)[A-Z][A-Za-z]*$/;
  for (const c of calls) {
    const get = transport === "connect" && readOnly.test(c.path);
    assert.equal(c.method, get ? "GET" : "POST", `HTTP method of ${c.path}`);
    assert.equal(c.type, get ? "encoding=json" : contentType, `content type of ${c.method} ${c.path}`);
  }
  if (transport === "connect") {
    assert.ok(calls.some((c) => c.method === "GET"), "some calls went as Connect GET");
  }
  assert.deepEqual(problems, [], "no errors in the page");
  return calls.length;
}
