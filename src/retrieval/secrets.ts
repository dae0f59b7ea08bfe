/**
 * The one scrubber of credentials, for everything the extension and the CLI store from source
 * text: the mined corpus (code, doc, summary, parameter descriptions), the workspace index in the
 * workspace's storage, and a model's retrieval memory. A secret's text becomes {@link SCRUBBED}
 * (the surrounding code, comment or sentence stays), so a key committed to a workspace never ends
 * up in a corpus, an index file, a fine-tuned model's memory.json or a reused comment.
 *
 * What it catches, anywhere in the text (code, `#`/`//` comments, docstrings, prose):
 *  - well-known key formats by their prefix (AWS `AKIA…`, GitHub `ghp_…`/`github_pat_…`, Slack
 *    `xox?-…`, OpenAI `sk-…`/`sk-proj-…`, Stripe, Google `AIza…`, GitLab, npm, Hugging Face, JWTs);
 *  - PEM/PGP private-key blocks, whole;
 *  - URL credentials: the password of a `postgres://user:…@host` URL, Slack and Discord webhook
 *    paths, `?api_key=`/`?token=`-like query values, `Bearer`/`Basic` header values;
 *  - values assigned to a secret-named name (`password`, `db_password`, `apiKey`, `SECRET_KEY`,
 *    `access_token`, …), quoted (`password = "…"`, `"token": "…"`) or not (a comment's
 *    `# password: …`), unless the value is a placeholder, a plain word, an environment
 *    variable's name or a path;
 *  - any other quoted string, or a token alone on its line (a triple-quoted string's body), that
 *    is long, has no spaces, mixes letters and digits and is close to random (Shannon entropy and
 *    letter/digit/case changes), unless it is a hex digest, a UUID, a subresource-integrity hash
 *    or base64 of text or of a known file format (test data);
 *  - string literals joined by `+`, `.`, `..` or adjacency (`"AKIA" + "…"`, Python's `("…" "…")`)
 *    whose joined text is a secret by the rules above.
 * Letters-only passwords (`"letmein"`) and hex keys assigned to ordinary names are not caught: they
 * cannot be told from ordinary words and digests. Hand-written: the secret scanners of the field
 * (gitleaks, detect-secrets) are separate programs, not libraries.
 */

/** What a scrubbed secret becomes. */
export const SCRUBBED = '<secret>';

/** Key formats recognised by their prefix (each must also hold a digit: identifiers rarely do). */
const TOKEN_FORMATS = [
  String.raw`(?:AKIA|ASIA|ABIA|ACCA)[0-9A-Z]{16}`,
  String.raw`gh[pousr]_[A-Za-z0-9]{30,}`,
  String.raw`github_pat_[A-Za-z0-9_]{30,}`,
  String.raw`xox[abposre]-[A-Za-z0-9-]{10,}`,
  String.raw`xapp-\d-[A-Za-z0-9-]{10,}`,
  String.raw`sk-(?:proj-|svcacct-|admin-|ant-)?[A-Za-z0-9_-]{20,}`,
  String.raw`(?:sk|rk|pk)_(?:live|test)_[A-Za-z0-9]{16,}`,
  String.raw`AIza[0-9A-Za-z_-]{35}`,
  String.raw`eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}`,
  String.raw`glpat-[A-Za-z0-9_-]{20,}`,
  String.raw`npm_[A-Za-z0-9]{36}`,
  String.raw`hf_[A-Za-z0-9]{34}`,
  String.raw`pypi-AgEIcHlwaS5vcmc[A-Za-z0-9_-]{50,}`,
  String.raw`SG\.[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43}`,
  String.raw`shp(?:at|ss|ca|pa)_[a-fA-F0-9]{32}`,
  String.raw`do[opr]_v1_[a-f0-9]{64}`,
];
const TOKEN = new RegExp(`(?<![A-Za-z0-9_])(?:${TOKEN_FORMATS.join('|')})(?![A-Za-z0-9_])`, 'g');
const TOKEN_ANCHORED = new RegExp(`^(?:${TOKEN_FORMATS.join('|')})$`);

const PRIVATE_KEY_START = /-----BEGIN [A-Z0-9 ]*PRIVATE KEY[A-Z ]*-----/;
/** A private key block; without its END line, the base64 that follows goes with it. */
const PRIVATE_KEY =
  /-----BEGIN [A-Z0-9 ]*PRIVATE KEY[A-Z ]*-----(?:[\s\S]{0,20000}?-----END [A-Z0-9 ]*PRIVATE KEY[A-Z ]*-----|[A-Za-z0-9+/=\s\\"'+,]*)/g;

/** One quoted literal of most languages ('…', "…", `…`), one line, escapes kept. */
const LITERAL =
  String.raw`"(?:\\.|[^"\\\n])*"|'(?:\\.|[^'\\\n])*'|` + '`' + String.raw`(?:\\.|[^` + '`' + String.raw`\\\n])*` + '`';
/** Literals joined by `+`, `.`, `..` or nothing but white space (one literal alone too). */
const LITERAL_CHAIN = new RegExp(`(?:${LITERAL})(?:\\s*(?:\\+|\\.\\.?)?\\s*(?:${LITERAL}))*`, 'g');
const ONE_LITERAL = new RegExp(LITERAL, 'g');

/**
 * The last word of a secret-looking name; the assignment rules start there (fast) and take the
 * whole name (`db.password`, `x-api-key`, `SECRET_KEY`) from the text before it.
 */
const SECRET_END = String.raw`(?:passw(?:or)?d|pwd|passphrase|secret|token|credentials?|key)`;
/** `name = "…"`, `name: str = "…"`, `"name": "…"`, `name := "…"`, `name => "…"`, `("name", "…")`. */
const QUOTED_ASSIGNMENT = new RegExp(
  `${SECRET_END}(["'\`]?)` +
    String.raw`(\s*(?::\s*[A-Za-z_][\w.\[\]|<>, ]{0,40}?\s*(?==))?(?::=|=(?![=>~])|:(?!:)|=>|,)\s*(?:[rRbBuU]{1,2}(?=["']))?)` +
    `(${LITERAL})`,
  'gi',
);
/** `name = value` or `name: value` without quotes (comments, docstrings, config text). */
const BARE_ASSIGNMENT = new RegExp(
  `${SECRET_END}` + String.raw`(\s*(?:=(?![=>~])|:(?!:))[ \t]*)([^\s'"\`,;()\[\]{}<>]+)`,
  'gi',
);

/** Where the name ending at `end` starts (identifier characters, dots and dashes before it; 200 at most). */
function nameStart(text: string, end: number): number {
  let i = end;
  while (i > 0 && end - i < 200 && /[\w$.-]/.test(text[i - 1]!)) i--;
  return i;
}

const SECRET_WORDS = new Set([
  'password',
  'passwd',
  'pwd',
  'passphrase',
  'secret',
  'token',
  'credential',
  'credentials',
  'apikey',
  'privatekey',
]);
const KEY_QUALIFIERS = new Set([
  'api',
  'access',
  'secret',
  'private',
  'signing',
  'encryption',
  'master',
  'auth',
  'app',
  'client',
  'license',
  'subscription',
  'account',
]);

/** Whether a variable, field or key name says it holds a secret (by its last word or two). */
function isSecretName(name: string): boolean {
  const words = name
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1 $2')
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter(Boolean);
  const last = words[words.length - 1];
  if (last === undefined) return false;
  if (SECRET_WORDS.has(last)) return true;
  return last === 'key' && KEY_QUALIFIERS.has(words[words.length - 2] ?? '');
}

/** Keys of a key–value pair written as two literals (`("password", "…")`). */
const TUPLE_KEY =
  /^(?:password|passwd|pwd|passphrase|secret|token|api[_-]?key|access[_-]?token|auth[_-]?token|client[_-]?secret|secret[_-]?key|private[_-]?key)$/i;

const PLACEHOLDER =
  /^(?:\$\{[^}]*\}|\$\(?\w+\)?|\{\{.*\}\}|\{\w*\}|<[^>]*>|%\(?\w*\)?[sdr]|\*+|[xX]{3,}|\.{3}|…|none|null|nil|undefined|true|false|changeme|example|dummy|placeholder|redacted|your[_-]?\w*)$/i;

/** Whether an assigned value is a real value rather than a placeholder, a word, a name or a path. */
function isSecretValue(value: string): boolean {
  if (value.length < 4 || value.includes(SCRUBBED) || PLACEHOLDER.test(value)) return false;
  if (/\{\w*\}|%[sdr]|\$\{/.test(value)) return false; // a template filled in elsewhere
  if (/\s/.test(value)) return false; // a message, not a value
  if (/^[A-Za-z]+(?:[-_. ][A-Za-z]+)*$/.test(value)) return false; // a plain word or label
  if (/^_*[A-Z][A-Z0-9_]*$/.test(value)) return false; // an environment variable's name or a constant
  if (/^(?:\.{0,2}\/|~\/|[A-Za-z]:\\)|\.(?:pem|key|json|txt|crt|env|ya?ml|toml|ini|cfg)$/i.test(value)) return false;
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(value)) return false; // a URL (its credentials have their own rule)
  return true;
}

/** An unquoted value that is code (an identifier, a dotted path such as `user.password!`, a number), not a literal. */
function isExpression(value: string): boolean {
  const v = value.replace(/[;,.]$/, '');
  return (
    /^[!~]/.test(v) || // !!flag, ~mask
    /^[A-Za-z_$][\w$]*(?:[!?]?\??\.[A-Za-z_$][\w$]*)*(?:===?|!==?|&&|\|\||\?\?|[<>]=?)/.test(v) || // a comparison
    /^[A-Za-z_$][\w$]*$/.test(v) ||
    /^[A-Za-z_$][\w$]*(?:[!?]?\??\.[A-Za-z_$][\w$]*)+[!?]?$/.test(v) ||
    /^[-+]?(?:0x[\da-f]+|\d[\d_.e+-]*)$/i.test(v)
  );
}

function entropy(s: string): number {
  const counts = new Map<string, number>();
  for (const ch of s) counts.set(ch, (counts.get(ch) ?? 0) + 1);
  let h = 0;
  for (const n of counts.values()) {
    const p = n / s.length;
    h -= p * Math.log2(p);
  }
  return h;
}

/** Share of neighbouring letters and digits that change class (lower, upper, digit); separators left out. */
function classChanges(s: string): number {
  const alnum = s.replace(/[^A-Za-z0-9]/g, '');
  const cls = (c: string): number => (/[a-z]/.test(c) ? 0 : /[A-Z]/.test(c) ? 1 : 2);
  let changes = 0;
  for (let i = 1; i < alnum.length; i++) if (cls(alnum[i]!) !== cls(alnum[i - 1]!)) changes++;
  return changes / Math.max(1, alnum.length - 1);
}

/**
 * Whether letters and digits read as words (`docComment`, `dist-packages`, `MAPPINGS/MISC`):
 * most of them in runs of three letters or more, with vowels (names and paths, not keys).
 */
function readsAsWords(s: string): boolean {
  const alnum = s.replace(/[^A-Za-z0-9]/g, '');
  const letters = alnum.replace(/[0-9]/g, '');
  const inWords = (alnum.match(/[a-z]{3,}|[A-Z][a-z]+|[A-Z]{3,}/g) ?? []).join('').length;
  const vowels = (letters.match(/[aeiouyAEIOUY]/g) ?? []).length;
  if (inWords >= 0.75 * alnum.length && vowels >= 0.25 * letters.length) return true;
  // snake_case or dotted names of short parts, each in one case (`ND_g22_ap1_to_lin_rec709`)
  const parts = s.split(/[_.-]+/).filter(Boolean);
  return parts.length >= 3 && parts.every((p) => /^(?:[a-z0-9]+|[A-Z0-9]+|[A-Z][a-z0-9]+)$/.test(p));
}

const MAGIC = [
  [0x89, 0x50, 0x4e, 0x47], // PNG
  [0x47, 0x49, 0x46, 0x38], // GIF
  [0xff, 0xd8, 0xff], // JPEG
  [0x25, 0x50, 0x44, 0x46], // PDF
  [0x1f, 0x8b], // gzip
  [0x50, 0x4b, 0x03, 0x04], // zip
  [0x00, 0x61, 0x73, 0x6d], // WebAssembly
  [0x52, 0x49, 0x46, 0x46], // RIFF (WAV, WebP)
];

/**
 * Base64 that is data, not a key: it decodes to text (unless the text is `user:password`, a
 * Basic credential) or starts like a known file format.
 */
function isBase64Data(s: string): boolean {
  if (!/^[A-Za-z0-9+/_-]+={0,2}$/.test(s) || s.length % 4 === 1) return false;
  const bytes = Buffer.from(s.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
  if (bytes.length < 12) return false;
  if (MAGIC.some((m) => m.every((b, i) => bytes[i] === b))) return true;
  const text = bytes.toString('latin1');
  const printable = text.replace(/[^\x20-\x7e\t\n\r]/g, '').length / text.length;
  return printable >= 0.95 && !/^[\w.@+-]+:[^\s:]+$/.test(text);
}

/** A string with no other sign of being a secret than looking random (a key of an unknown service). */
function looksRandom(s: string): boolean {
  if (s.length < 24 || s.length > 200) return false;
  if (!/^[A-Za-z0-9+/=_\-.~]+$/.test(s)) return false;
  if (!/[0-9]/.test(s) || !/[A-Za-z]/.test(s)) return false;
  if (/^[0-9a-f]+$/i.test(s) || /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(s)) return false;
  if (/^(?:sha1|sha256|sha384|sha512|md5)-/i.test(s)) return false; // subresource integrity
  if (/^(?:\/|\.\.?\/|~\/)|\.[A-Za-z]{1,4}$/.test(s)) return false; // a path or a file name
  if (entropy(s) < 4 || classChanges(s) < 0.3 || readsAsWords(s)) return false;
  return !isBase64Data(s);
}

/** True when a string literal's content (or any text) is, or holds, a key, token or private key. */
export function looksLikeSecret(content: string): boolean {
  return PRIVATE_KEY_START.test(content) || hasToken(content) || looksRandom(content);
}

function hasToken(text: string): boolean {
  for (const m of text.matchAll(TOKEN)) if (/[0-9]/.test(m[0])) return true;
  return false;
}

/** The content of a literal as written (`"…"` → `…`). */
const inner = (literal: string): string => literal.slice(1, -1);

/** Literals and literal chains: a chain whose joined text is a secret goes whole, else each random literal. */
function scrubLiterals(text: string): string {
  return text.replace(LITERAL_CHAIN, (chain) => {
    const parts = chain.match(ONE_LITERAL) ?? [];
    const quote = chain[0]!;
    if (parts.length > 1) {
      const joined = parts.map(inner).join('');
      const single = parts.some((p) => looksLikeSecret(inner(p)));
      if (!single && looksLikeSecret(joined)) return `${quote}${SCRUBBED}${quote}`;
    }
    return chain.replace(ONE_LITERAL, (lit) =>
      looksRandom(inner(lit)) || (TOKEN_ANCHORED.test(inner(lit)) && /[0-9]/.test(lit))
        ? `${lit[0]}${SCRUBBED}${lit[0]}`
        : lit,
    );
  });
}

function scrubAssignments(text: string): string {
  const quoted = text.replace(
    QUOTED_ASSIGNMENT,
    (all: string, closeQuote: string, op: string, literal: string, offset: number, whole: string) => {
      const start = nameStart(whole, offset);
      const name =
        whole.slice(start, offset) + all.slice(0, all.length - closeQuote.length - op.length - literal.length);
      const openQuote = whole[start - 1] ?? '';
      if (closeQuote && openQuote !== closeQuote) return all; // the end of some other string
      // ("password", "…"): a key and its value, on one line
      if (/^\s*,/.test(op) && (!closeQuote || op.includes('\n') || !TUPLE_KEY.test(name))) return all;
      if (!isSecretName(name) || !isSecretValue(inner(literal))) return all;
      return `${all.slice(0, all.length - literal.length)}${literal[0]}${SCRUBBED}${literal[0]}`;
    },
  );
  return quoted.replace(BARE_ASSIGNMENT, (all: string, op: string, value: string, offset: number, whole: string) => {
    const name = whole.slice(nameStart(whole, offset), offset) + all.slice(0, all.length - op.length - value.length);
    if (!isSecretName(name) || value.length < 6 || !/[A-Za-z]/.test(value)) return all;
    if (!/[0-9!@#$%^&*?~+=]/.test(value) || isExpression(value) || !isSecretValue(value)) return all;
    return `${all.slice(0, all.length - value.length)}${SCRUBBED}`;
  });
}

function scrubUrls(text: string): string {
  return (
    text
      // The password of scheme://user:…@host (it may hold an unencoded @ when another follows);
      // the documentation's own `user:password@` is not one.
      .replace(
        /(:\/\/[^\s:/@'"`<>]{0,100}:)((?:[^\s'"`/@<>]|@(?=[^\s'"`/@<>]*@)){1,200})@/g,
        (all, head: string, password: string) =>
          PLACEHOLDER.test(password) || /^(?:password|passwd|pass|pwd)$/i.test(password) ? all : `${head}${SCRUBBED}@`,
      )
      .replace(/(hooks\.slack\.com\/(?:services|workflows|triggers)\/)[A-Za-z0-9_/-]+/g, `$1${SCRUBBED}`)
      .replace(/(discord(?:app)?\.com\/api\/webhooks\/)[\w/-]+/g, `$1${SCRUBBED}`)
      .replace(
        /([?&](?:api[_-]?key|apikey|access[_-]?token|auth[_-]?token|token|secret|client[_-]?secret|password|passwd|pwd|sig|signature|key)=)([^&#\s'"`<>]+)/gi,
        (all, head: string, value: string) =>
          value.length < 8 || !/[0-9]/.test(value) || PLACEHOLDER.test(value) ? all : `${head}${SCRUBBED}`,
      )
      .replace(
        /\b(Bearer|Basic|bearer)([ \t]+)([A-Za-z0-9\-._~+/]{12,}=*)/g,
        (all, kind: string, gap: string, value: string) =>
          /[0-9]/.test(value) && /[A-Za-z]/.test(value) ? `${kind}${gap}${SCRUBBED}` : all,
      )
  );
}

/** A random-looking token alone on its line (a triple-quoted string's body), unless many such lines (data) surround it. */
function scrubLoneTokens(text: string): string {
  const lines = text.split('\n');
  const lone = (l: string | undefined): string | undefined =>
    l === undefined ? undefined : /^[ \t]*([A-Za-z0-9+/=_\-.~]{24,200})[ \t]*$/.exec(l)?.[1];
  let changed = false;
  for (let i = 0; i < lines.length; i++) {
    const token = lone(lines[i]);
    if (token === undefined || lone(lines[i - 1]) !== undefined || lone(lines[i + 1]) !== undefined) continue;
    if (!looksRandom(token)) continue;
    lines[i] = lines[i]!.replace(token, SCRUBBED);
    changed = true;
  }
  return changed ? lines.join('\n') : text;
}

/** `text` (code, a comment, a summary) with every secret it holds replaced by {@link SCRUBBED}. */
export function scrubSecrets(text: string): string {
  if (text.length === 0) return text;
  let s = text.replace(PRIVATE_KEY, SCRUBBED);
  s = scrubUrls(s);
  s = scrubLiterals(s);
  s = scrubAssignments(s);
  s = s.replace(TOKEN, (token) => (/[0-9]/.test(token) ? SCRUBBED : token));
  return scrubLoneTokens(s);
}
