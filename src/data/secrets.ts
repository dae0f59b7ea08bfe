/**
 * Scrubs string literals that look like credentials (API keys, tokens, private keys, long random
 * strings) from mined code and the retrieval memory, so a key committed to a workspace never ends
 * up in a corpus, a fine-tuned model's memory.json or a reused comment. Well-known key formats
 * are matched by prefix; any other quoted string counts when it is long, has no spaces, mixes
 * letters and digits and is close to random (Shannon entropy per character). Hand-written: the
 * secret scanners of the field (gitleaks, detect-secrets) are separate programs, not libraries.
 */

/** What a scrubbed literal's content becomes. */
export const SCRUBBED = '<secret>';

const KNOWN_KEY =
  /^(AKIA|ASIA)[0-9A-Z]{16}$|^(ghp|gho|ghu|ghs|ghr)_[A-Za-z0-9]{30,}$|^github_pat_\w{30,}$|^xox[abprs]-[\w-]{10,}$|^sk-[\w-]{20,}$|^(sk|rk|pk)_(live|test)_\w{16,}$|^AIza[\w-]{30,}$|^eyJ[\w-]{8,}\.eyJ[\w-]{8,}\.[\w-]{8,}$|^glpat-[\w-]{20,}$|^npm_[A-Za-z0-9]{30,}$/;
const PRIVATE_KEY = /-----BEGIN [A-Z ]*PRIVATE KEY-----/;

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

/** True when a string literal's content looks like a key, token or private key. */
export function looksLikeSecret(content: string): boolean {
  if (PRIVATE_KEY.test(content)) return true;
  if (KNOWN_KEY.test(content)) return true;
  if (content.length < 24 || !/^[A-Za-z0-9+/=_\-.]+$/.test(content)) return false;
  if (!/[0-9]/.test(content) || !/[A-Za-z]/.test(content)) return false;
  return entropy(content) >= 4;
}

/** Quoted literals in most languages ('…', "…", `…`), one line each, escapes kept. */
const LITERAL = /(["'`])((?:\\.|(?!\1)[^\\\n])*)\1/g;

/** `code` with the content of every secret-looking string literal replaced by {@link SCRUBBED}. */
export function scrubSecrets(code: string): string {
  const scrubbed = code.replace(LITERAL, (all, quote: string, content: string) =>
    looksLikeSecret(content) ? `${quote}${SCRUBBED}${quote}` : all,
  );
  // A well-known key format outside quotes (a comment, a summary) goes too.
  const bare = scrubbed.replace(/[\w\-.+/=]{16,}/g, (word) => (KNOWN_KEY.test(word) ? SCRUBBED : word));
  // A private key spans lines: drop the whole block.
  return bare.replace(/-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?(-----END [A-Z ]*PRIVATE KEY-----|$)/g, SCRUBBED);
}
