// The library page: lists books page by page with an AIP-160 filter,
// creates, edits (sending only the changed fields in the update mask),
// deletes and undeletes them, and shows the server's field violations next
// to their inputs. Every call goes through the generated client, over
// Connect or gRPC-Web.
import { timestampDate } from "@bufbuild/protobuf/wkt";
import { newApi, failure, transportLabels, type Api, type TransportName } from "./api";
import { type Book, BookStateSchema } from "./gen/library/v1/library_pb";
import { changedPaths, parseIsbn, parseTags, type BookEdit } from "./mask";

function el<T extends HTMLElement>(id: string): T {
  const e = document.getElementById(id);
  if (!e) throw new Error(`#${id} is missing from the page`);
  return e as T;
}

const statusLine = el<HTMLParagraphElement>("status");
const authorForm = el<HTMLFormElement>("author-form");
const createForm = el<HTMLFormElement>("create-form");
const editForm = el<HTMLFormElement>("edit-form");
const editSection = el<HTMLElement>("edit-section");
const listForm = el<HTMLFormElement>("list-form");
const tbody = el<HTMLTableSectionElement>("books");
const prevButton = el<HTMLButtonElement>("prev");
const nextButton = el<HTMLButtonElement>("next");
const pageLabel = el<HTMLSpanElement>("page");

let api: Api = newApi(initialTransport(), window.location.origin);
const authorNames = new Map<bigint, string>();
// pageTokens[i] is the token of page i+1; the last entry is the page shown.
let pageTokens: string[] = [""];
let nextToken = "";
// editing is the book the edit form was filled from.
let editing: { book: Book; fields: BookEdit } | null = null;

function initialTransport(): TransportName {
  const t = new URLSearchParams(window.location.search).get("transport");
  return t === "grpc-web" ? "grpc-web" : "connect";
}

function setStatus(text: string, isError = false): void {
  statusLine.textContent = text;
  statusLine.classList.toggle("error", isError);
}

function via(): string {
  return `via ${transportLabels[api.transport]}`;
}

// clearErrors empties a form's error slots.
function clearErrors(form: HTMLFormElement): void {
  for (const p of form.querySelectorAll<HTMLElement>("[data-field]")) p.textContent = "";
  for (const i of form.querySelectorAll<HTMLElement>("[aria-invalid]")) i.removeAttribute("aria-invalid");
}

// showFieldError puts a message next to the input named field.
function showFieldError(form: HTMLFormElement, field: string, message: string): boolean {
  if (field === "") return false;
  const slot = form.querySelector<HTMLElement>(`[data-field="${CSS.escape(field)}"]`);
  if (!slot) return false;
  slot.textContent = message;
  const input = form.elements.namedItem(field);
  if (input instanceof HTMLElement) input.setAttribute("aria-invalid", "true");
  return true;
}

// report shows a failed call: each field violation whose path starts with
// the form's prefix ("book.title" in a form of prefix "book") goes next to
// its input, anything else to the form and the status line.
function report(form: HTMLFormElement, action: string, err: unknown): void {
  const f = failure(err);
  const prefix = form.dataset.prefix ? `${form.dataset.prefix}.` : "";
  const rest: string[] = [];
  for (const [path, description] of f.fields) {
    const field = prefix && path.startsWith(prefix) ? path.slice(prefix.length) : prefix ? "" : path;
    if (!showFieldError(form, field, description)) rest.push(`${path}: ${description}`);
  }
  const formError = form.querySelector<HTMLElement>('.form-error[data-field=""]');
  if (formError) formError.textContent = f.fields.size === 0 ? f.message : rest.join("; ");
  setStatus(`${action} failed ${via()}: ${f.code}: ${f.message}`, true);
}

// busy runs a form's action with its buttons disabled, so a second
// submit cannot overtake the first.
async function busy(form: HTMLFormElement, action: () => Promise<void>): Promise<void> {
  const buttons = [...form.querySelectorAll("button")];
  for (const b of buttons) b.disabled = true;
  form.setAttribute("aria-busy", "true");
  try {
    await action();
  } finally {
    for (const b of buttons) b.disabled = false;
    form.removeAttribute("aria-busy");
  }
}

function stateName(n: number): string {
  const v = BookStateSchema.values.find((v) => v.number === n);
  return v ? v.name.replace(/^BOOK_STATE_/, "").toLowerCase().replace(/_/g, " ") : String(n);
}

function fillStates(select: HTMLSelectElement): void {
  for (const v of BookStateSchema.values) {
    select.add(new Option(stateName(v.number), String(v.number)));
  }
}

// readBook reads title, state, isbn and tags from a book form; an ISBN
// that is not a number is reported next to its input.
function readBook(form: HTMLFormElement): BookEdit | null {
  const value = (name: string) => (form.elements.namedItem(name) as HTMLInputElement | HTMLSelectElement).value;
  const isbn = parseIsbn(value("isbn"));
  if (typeof isbn === "string") {
    showFieldError(form, "isbn", isbn);
    setStatus("Check the ISBN", true);
    return null;
  }
  return { title: value("title"), state: Number(value("state")), isbn, tags: parseTags(value("tags")) };
}

async function loadAuthors(): Promise<void> {
  const select = el<HTMLSelectElement>("create-author_id");
  const chosen = select.value;
  const res = await api.authors.listAuthors({ pageSize: 100 });
  authorNames.clear();
  select.replaceChildren();
  for (const a of res.authors) {
    authorNames.set(a.id, a.displayName);
    select.add(new Option(a.displayName, String(a.id)));
  }
  if (chosen && authorNames.has(BigInt(chosen))) select.value = chosen;
}

function cell(text: string, className?: string): HTMLTableCellElement {
  const td = document.createElement("td");
  td.textContent = text;
  if (className) td.className = className;
  return td;
}

function actionButton(label: string, book: Book, testid: string, onClick: () => void): HTMLButtonElement {
  const b = document.createElement("button");
  b.type = "button";
  b.textContent = label;
  b.dataset.testid = testid;
  b.setAttribute("aria-label", `${label} “${book.title}”`);
  b.addEventListener("click", onClick);
  return b;
}

function renderBooks(books: Book[]): void {
  tbody.replaceChildren();
  if (books.length === 0) {
    const tr = tbody.insertRow();
    const td = cell("No books match.", "empty");
    td.colSpan = 8;
    tr.append(td);
    return;
  }
  for (const b of books) {
    const tr = tbody.insertRow();
    tr.dataset.testid = "book-row";
    tr.dataset.id = String(b.id);
    const deleted = b.deleteTime !== undefined;
    if (deleted) tr.classList.add("deleted");
    const title = cell("");
    const name = document.createElement("span");
    name.textContent = b.title;
    name.dataset.testid = "book-title";
    title.append(name);
    if (deleted) {
      const badge = document.createElement("span");
      badge.className = "badge";
      badge.textContent = "deleted";
      badge.title = `Deleted ${timestampDate(b.deleteTime!).toISOString()}`;
      title.append(" ", badge);
    }
    tr.append(
      cell(String(b.id), "num"),
      title,
      cell(authorNames.get(b.authorId) ?? `#${b.authorId}`),
      cell(stateName(b.state)),
      cell(b.isbn === 0n ? "" : String(b.isbn), "num"),
      cell(b.tags.join(", ")),
      cell(b.etag, "num"),
    );
    const actions = cell("", "actions");
    if (deleted) {
      actions.append(actionButton("Undelete", b, "undelete", () => void undeleteBook(b)));
    } else {
      actions.append(
        actionButton("Edit", b, "edit", () => startEdit(b)),
        actionButton("Delete", b, "delete", () => void deleteBook(b)),
      );
    }
    tr.append(actions);
  }
}

// loadPage lists the page whose token ends pageTokens.
async function loadPage(): Promise<void> {
  clearErrors(listForm);
  setStatus("Loading books…");
  const pageSize = Number(el<HTMLSelectElement>("list-page_size").value);
  try {
    const res = await api.books.listBooks({
      pageSize,
      pageToken: pageTokens[pageTokens.length - 1],
      filter: el<HTMLInputElement>("list-filter").value.trim(),
      showDeleted: el<HTMLInputElement>("list-show_deleted").checked,
    });
    nextToken = res.nextPageToken;
    renderBooks(res.books);
    pageLabel.textContent = `Page ${pageTokens.length}`;
    prevButton.disabled = pageTokens.length === 1;
    nextButton.disabled = nextToken === "";
    setStatus(`Listed ${res.books.length} book${res.books.length === 1 ? "" : "s"} on page ${pageTokens.length} ${via()}`);
  } catch (err) {
    report(listForm, "Listing books", err);
  }
}

function firstPage(): Promise<void> {
  pageTokens = [""];
  return loadPage();
}

authorForm.addEventListener("submit", (ev) => {
  ev.preventDefault();
  void busy(authorForm, () => submitAuthor());
});

async function submitAuthor(): Promise<void> {
  clearErrors(authorForm);
  setStatus("Adding the author…");
  const input = el<HTMLInputElement>("author-display_name");
  try {
    const a = await api.authors.createAuthor({ author: { displayName: input.value } });
    input.value = "";
    await loadAuthors();
    el<HTMLSelectElement>("create-author_id").value = String(a.id);
    setStatus(`Added author ${a.id} ${via()}`);
  } catch (err) {
    report(authorForm, "Adding the author", err);
  }
}

createForm.addEventListener("submit", (ev) => {
  ev.preventDefault();
  void busy(createForm, () => submitCreate());
});

async function submitCreate(): Promise<void> {
  clearErrors(createForm);
  const fields = readBook(createForm);
  if (!fields) return;
  const authorId = el<HTMLSelectElement>("create-author_id").value;
  setStatus("Creating the book…");
  try {
    const b = await api.books.createBook({
      book: { ...fields, authorId: authorId === "" ? 0n : BigInt(authorId) },
    });
    for (const name of ["title", "isbn", "tags"]) (createForm.elements.namedItem(name) as HTMLInputElement).value = "";
    await loadPage();
    setStatus(`Created book ${b.id} ${via()}`);
  } catch (err) {
    report(createForm, "Creating the book", err);
  }
}

function startEdit(b: Book): void {
  clearErrors(editForm);
  const fields: BookEdit = { title: b.title, state: b.state, isbn: b.isbn, tags: [...b.tags] };
  editing = { book: b, fields };
  el("edit-id").textContent = String(b.id);
  el<HTMLInputElement>("edit-title").value = fields.title;
  el<HTMLSelectElement>("edit-state").value = String(fields.state);
  el<HTMLInputElement>("edit-isbn").value = fields.isbn === 0n ? "" : String(fields.isbn);
  el<HTMLInputElement>("edit-tags").value = fields.tags.join(", ");
  editSection.hidden = false;
  el<HTMLInputElement>("edit-title").focus();
}

editForm.addEventListener("submit", (ev) => {
  ev.preventDefault();
  void busy(editForm, () => submitEdit());
});

async function submitEdit(): Promise<void> {
  if (!editing) return;
  clearErrors(editForm);
  const fields = readBook(editForm);
  if (!fields) return;
  const paths = changedPaths(editing.fields, fields);
  if (paths.length === 0) {
    setStatus("Nothing changed");
    return;
  }
  const { id, etag } = editing.book;
  setStatus("Updating the book…");
  try {
    const b = await api.books.updateBook({
      book: { id, etag, ...fields },
      updateMask: { paths },
    });
    editing = null;
    editSection.hidden = true;
    await loadPage();
    setStatus(`Updated book ${b.id} (update_mask: ${paths.join(",")}, etag ${b.etag}) ${via()}`);
  } catch (err) {
    report(editForm, "Updating the book", err);
  }
}

el<HTMLButtonElement>("edit-cancel").addEventListener("click", () => {
  editing = null;
  editSection.hidden = true;
});

async function deleteBook(b: Book): Promise<void> {
  setStatus("Deleting the book…");
  try {
    await api.books.deleteBook({ id: b.id, etag: b.etag });
    if (editing?.book.id === b.id) {
      editing = null;
      editSection.hidden = true;
    }
    await loadPage();
    setStatus(`Deleted book ${b.id} ${via()}`);
  } catch (err) {
    report(listForm, "Deleting the book", err);
  }
}

async function undeleteBook(b: Book): Promise<void> {
  setStatus("Undeleting the book…");
  try {
    await api.books.undeleteBook({ id: b.id, etag: b.etag });
    await loadPage();
    setStatus(`Undeleted book ${b.id} ${via()}`);
  } catch (err) {
    report(listForm, "Undeleting the book", err);
  }
}

listForm.addEventListener("submit", (ev) => {
  ev.preventDefault();
  void firstPage();
});
el<HTMLInputElement>("list-show_deleted").addEventListener("change", () => void firstPage());
el<HTMLSelectElement>("list-page_size").addEventListener("change", () => void firstPage());
nextButton.addEventListener("click", () => {
  if (nextToken === "") return;
  pageTokens.push(nextToken);
  void loadPage();
});
prevButton.addEventListener("click", () => {
  if (pageTokens.length === 1) return;
  pageTokens.pop();
  void loadPage();
});

for (const radio of document.querySelectorAll<HTMLInputElement>('input[name="transport"]')) {
  radio.checked = radio.value === api.transport;
  radio.addEventListener("change", () => {
    if (!radio.checked) return;
    api = newApi(radio.value as TransportName, window.location.origin);
    const url = new URL(window.location.href);
    url.searchParams.set("transport", api.transport);
    history.replaceState(null, "", url);
    void start();
  });
}

fillStates(el<HTMLSelectElement>("create-state"));
fillStates(el<HTMLSelectElement>("edit-state"));

async function start(): Promise<void> {
  delete document.body.dataset.ready;
  try {
    await loadAuthors();
  } catch (err) {
    report(authorForm, "Listing authors", err);
    return;
  }
  await firstPage();
  document.body.dataset.ready = api.transport;
}

void start();
