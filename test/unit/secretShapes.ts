/**
 * The secret shapes the scrubber must catch, and ordinary text it must leave alone. Every key is
 * made up at run time from a seeded generator (no real-looking key is committed), in the shape of
 * the service's keys. Each shape says where it sits in code (a Python function body) and, when it
 * can be written in a sentence, how it reads in prose (a comment, a summary, a parameter's text).
 */
import { createHash } from 'crypto';

/** Seeded pseudo-random characters (mulberry32), with at least one digit. */
export function fakeKey(seed: number, length: number, alphabet: string): string {
  let a = seed >>> 0;
  const next = (): number => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  let s = '';
  for (let i = 0; i < length; i++) s += alphabet[Math.floor(next() * alphabet.length)];
  return /[0-9]/.test(s) || !/[0-9]/.test(alphabet) ? s : `${s.slice(0, -1)}7`;
}

const UPPER = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';
const LOWER = 'abcdefghijklmnopqrstuvwxyz';
const DIGITS = '0123456789';
const ALNUM = UPPER + LOWER + DIGITS;
const B64 = `${ALNUM}+/`;
const B64URL = `${ALNUM}-_`;

export interface SecretShape {
  readonly name: string;
  /** What must not survive (the key, or each of its parts). */
  readonly secrets: readonly string[];
  /** Python statements (unindented, one or more lines) holding it in code. */
  readonly code: string;
  /** A phrase holding it in prose (one line), when it can be written so. */
  readonly prose?: string;
}

const aws = `AKIA${fakeKey(1, 16, UPPER + DIGITS)}`;
const awsSecret = fakeKey(2, 40, B64);
const ghp = `ghp_${fakeKey(3, 36, ALNUM)}`;
const pat = `github_pat_${fakeKey(4, 22, ALNUM)}_${fakeKey(5, 59, ALNUM)}`;
const xoxb = `xoxb-${fakeKey(6, 12, DIGITS)}-${fakeKey(7, 13, DIGITS)}-${fakeKey(8, 24, ALNUM)}`;
const xoxp = `xoxp-${fakeKey(9, 12, DIGITS)}-${fakeKey(10, 12, DIGITS)}-${fakeKey(11, 13, DIGITS)}-${fakeKey(12, 32, '0123456789abcdef')}`;
const webhook = `T${fakeKey(13, 8, UPPER + DIGITS)}/B${fakeKey(14, 10, UPPER + DIGITS)}/${fakeKey(15, 24, ALNUM)}`;
const jwt = [
  Buffer.from('{"alg":"HS256","typ":"JWT"}').toString('base64url'),
  Buffer.from(`{"sub":"${fakeKey(16, 10, DIGITS)}","name":"Jane"}`).toString('base64url'),
  fakeKey(17, 43, B64URL),
].join('.');
const openai = `sk-${fakeKey(18, 48, ALNUM)}`;
const openaiProject = `sk-proj-${fakeKey(19, 40, B64URL)}T3BlbkFJ${fakeKey(20, 40, B64URL)}`;
const pemLines = [fakeKey(21, 64, B64), fakeKey(22, 64, B64), fakeKey(23, 40, B64)];
const bangPassword = `Hunter${fakeKey(24, 4, DIGITS)}!x`;
const punctPassword = `p@ss:w0rd#${fakeKey(25, 4, DIGITS)}%^`;
const dsnPassword = `S3cr${fakeKey(26, 8, ALNUM)}`;
const lone = fakeKey(27, 40, ALNUM);
const concatTail = fakeKey(28, 16, UPPER + DIGITS);
const splitKey = `AKIA${fakeKey(29, 16, UPPER + DIGITS)}`;
const implicitGhp = `ghp_${fakeKey(30, 36, ALNUM)}`;
const stripe = `sk_live_${fakeKey(31, 24, ALNUM)}`;
const google = `AIza${fakeKey(32, 35, B64URL)}`;
const bearer = fakeKey(33, 32, ALNUM);
const query = fakeKey(34, 32, ALNUM);
const hexKey = createHash('md5').update('not a real key').digest('hex');
const npm = `npm_${fakeKey(35, 36, ALNUM)}`;
const gitlab = `glpat-${fakeKey(36, 20, B64URL)}`;
const commentKey = `AKIA${fakeKey(37, 16, UPPER + DIGITS)}`;
const commentPassword = `Tr0ub4dor&${fakeKey(38, 3, DIGITS)}`;

export const SECRET_SHAPES: readonly SecretShape[] = [
  {
    name: 'AWS access key',
    secrets: [aws],
    code: `client = boto3.client("s3", aws_access_key_id="${aws}")`,
    prose: `uses ${aws} for S3`,
  },
  {
    name: 'AWS key in a # comment',
    secrets: [commentKey],
    code: `# deploy with key=${commentKey}, region eu-west-1\nregion = "eu-west-1"`,
    prose: `key=${commentKey}`,
  },
  {
    name: 'AWS secret access key',
    secrets: [awsSecret],
    code: `aws_secret_access_key = "${awsSecret}"`,
    prose: `aws_secret_access_key=${awsSecret}`,
  },
  { name: 'GitHub token', secrets: [ghp], code: `headers = {"Authorization": "token ${ghp}"}`, prose: `token ${ghp}` },
  {
    name: 'GitHub fine-grained token',
    secrets: [pat],
    code: `GITHUB_TOKEN = '${pat}'`,
    prose: `authenticates as ${pat}`,
  },
  { name: 'Slack bot token', secrets: [xoxb], code: `slack = WebClient(token="${xoxb}")`, prose: `the bot ${xoxb}` },
  { name: 'Slack user token', secrets: [xoxp], code: `SLACK_USER = "${xoxp}"`, prose: `the user token ${xoxp}` },
  {
    name: 'Slack webhook URL',
    secrets: [webhook],
    code: `url = "https://hooks.slack.com/services/${webhook}"`,
    prose: `posts to https://hooks.slack.com/services/${webhook}`,
  },
  { name: 'JWT', secrets: [jwt, jwt.split('.')[2]!], code: `session = "${jwt}"`, prose: `sends ${jwt} as its session` },
  { name: 'OpenAI key', secrets: [openai], code: `openai.api_key = "${openai}"`, prose: `with ${openai}` },
  {
    name: 'OpenAI project key',
    secrets: [openaiProject],
    code: `client = OpenAI(api_key='${openaiProject}')`,
    prose: `with ${openaiProject}`,
  },
  {
    name: 'PEM private key',
    secrets: pemLines,
    code: `PRIVATE = """-----BEGIN RSA PRIVATE KEY-----\n${pemLines.join('\n')}\n-----END RSA PRIVATE KEY-----"""`,
  },
  {
    name: 'password with !',
    secrets: [bangPassword],
    code: `password = "${bangPassword}"`,
    prose: `password: ${bangPassword}`,
  },
  { name: 'password with punctuation', secrets: [punctPassword], code: `db_password = '${punctPassword}'` },
  {
    name: 'password in a # comment',
    secrets: [commentPassword],
    code: `# admin password=${commentPassword}\nuser = "admin"`,
    prose: `PASSWORD=${commentPassword}`,
  },
  {
    name: 'DSN password',
    secrets: [dsnPassword],
    code: `DATABASE_URL = "postgres://admin:${dsnPassword}@db.internal:5432/app"`,
    prose: `connects to postgres://admin:${dsnPassword}@db.internal:5432/app`,
  },
  { name: 'token alone in a triple-quoted string', secrets: [lone], code: `NOTE = """\n${lone}\n"""` },
  { name: 'concatenated "AKIA" + "…"', secrets: [concatTail], code: `key = "AKIA" + "${concatTail}"` },
  {
    name: 'concatenated "AKIA…" + "…"',
    secrets: [splitKey.slice(0, 12), splitKey.slice(12)],
    code: `key = "${splitKey.slice(0, 12)}" + "${splitKey.slice(12)}"`,
  },
  {
    name: 'implicitly concatenated literals',
    secrets: [implicitGhp.slice(0, 20), implicitGhp.slice(20)],
    code: `token = ("${implicitGhp.slice(0, 20)}"\n         "${implicitGhp.slice(20)}")`,
  },
  { name: 'Stripe key', secrets: [stripe], code: `stripe.api_key = "${stripe}"`, prose: `charges with ${stripe}` },
  { name: 'Google API key', secrets: [google], code: `maps = Client(key="${google}")`, prose: `uses ${google}` },
  {
    name: 'Bearer header',
    secrets: [bearer],
    code: `headers = {"Authorization": "Bearer ${bearer}"}`,
    prose: `sends Bearer ${bearer}`,
  },
  {
    name: 'API key in a query',
    secrets: [query],
    code: `url = "https://api.example.com/v1/data?format=json&api_key=${query}"`,
    prose: `reads https://api.example.com/v1?api_key=${query}`,
  },
  {
    name: 'hex key assigned to a key name',
    secrets: [hexKey],
    code: `API_KEY = "${hexKey}"`,
    prose: `api_key: ${hexKey}`,
  },
  { name: 'npm token', secrets: [npm], code: `NPM = "${npm}"`, prose: `publishes with ${npm}` },
  { name: 'GitLab token', secrets: [gitlab], code: `gl = Gitlab(private_token="${gitlab}")`, prose: `with ${gitlab}` },
];

/** A Python module with one function per shape: the secret in the body, the summary and a parameter's text. */
export function secretModule(): string {
  return SECRET_SHAPES.map((s, i) => {
    const body = s.code
      .split('\n')
      .map((l) => `    ${l}`)
      .join('\n');
    const prose = s.prose ?? `the ${s.name}`;
    return (
      `def use_secret_${i}(value, config):\n` +
      `    """Connect to the service, ${prose} as its credential.\n\n` +
      `    Args:\n` +
      `        value: the value to send, ${prose} by default.\n` +
      `        config: the settings of the service.\n` +
      `    """\n` +
      `${body}\n` +
      `    return value\n\n\n` +
      // The same code without a doc comment: indexed whole, with its source text.
      `def plain_${i}(value):\n${body}\n    return value\n`
    );
  }).join('\n\n');
}

/** Ordinary code and data the scrubber must leave as it is. */
export const NOT_SECRETS: readonly string[] = [
  'COLOR = 0xDEADBEEF',
  'EMPTY_SHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"',
  'COMMIT = "dcfe960a311654b6f1250c59356bd0cd2ec6e3a7"',
  'REQUEST_ID = "123e4567-e89b-12d3-a456-426614174000"',
  'GREETING_B64 = "SGVsbG8sIHdvcmxkISBUaGlzIGlzIGEgdGVzdCBzdHJpbmcu"',
  'PIXEL = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg=="',
  `"integrity": "sha512-${createHash('sha512').update('ignore').digest('base64')}"`,
  '"resolved": "https://registry.npmjs.org/ignore/-/ignore-5.3.1.tgz"',
  'password = getpass.getpass("Password: ")',
  'password: str = None',
  'if password == confirm_password2:',
  'token_type = "Bearer"',
  'PASSWORD_FIELD = "password"',
  'api_key = os.environ["OPENAI_API_KEY"]',
  'tokenizer = "bert-base-uncased-v2"',
  'secret_key_path = "/etc/app/signing.pem"',
  'url = "postgres://localhost:5432/app"',
  'url = f"postgres://{user}:{password}@{host}/db"',
  'url = "postgres://app:${DB_PASSWORD}@db/app"',
  'REPO = "ssh://git@github.com/org/repo.git"',
  'email = "user@example.com"',
  'const token = req.headers.authorization?.split(" ")[1];',
  'this.password = user.password!;',
  'password = ""',
  'max_tokens = 4096',
  'label = "getUserAccountSettingsById2"',
  'MODULE = "seq2seq_native.engine.trainer_v3"',
  ':param password: the password to check, hashed with bcrypt2',
  'const sk = "sk-learn-compatible-estimator";',
  'version = "1.13.1+cu117"',
  'PATH_GLOB = "**/node_modules/**/*.min.js"',
];
