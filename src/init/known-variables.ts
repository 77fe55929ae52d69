// Descriptions of environment variables whose meaning is conventional across Node servers and
// frameworks, so init can write a real description; any other name is left to the user.

const KNOWN: Record<string, string> = {
  PORT: 'TCP port the server listens on',
  HOST: 'Address the server binds to (0.0.0.0: all IPv4 interfaces, :: all interfaces)',
  HOSTNAME: 'Address the server binds to (Next.js standalone and others)',
  BIND_ADDRESS: 'Address the server binds to',
  ORIGIN: 'Public URL the app is served from, e.g. https://app.example.com (SvelteKit adapter-node)',
  BASE_URL: 'Public URL the app is served from, e.g. https://app.example.com',
  PUBLIC_URL: 'Public URL the app is served from, e.g. https://app.example.com',
  DATABASE_URL: 'Database connection string, e.g. postgres://user:password@host:5432/db',
  POSTGRES_URL: 'PostgreSQL connection string, e.g. postgres://user:password@host:5432/db',
  MONGODB_URI: 'MongoDB connection string, e.g. mongodb://host:27017/db',
  MONGO_URL: 'MongoDB connection string, e.g. mongodb://host:27017/db',
  REDIS_URL: 'Redis connection URL, e.g. redis://localhost:6379',
  LOG_LEVEL: 'Log verbosity (e.g. error, warn, info, debug)',
  NODE_OPTIONS: 'Extra options for node, e.g. --max-old-space-size=512',
  SESSION_SECRET: 'Secret that signs session cookies: a long random string, kept private',
  JWT_SECRET: 'Secret that signs JSON Web Tokens: a long random string, kept private',
  COOKIE_SECRET: 'Secret that signs cookies: a long random string, kept private',
  SMTP_URL: 'Mail server URL for outgoing mail, e.g. smtps://user:password@mail.example.com',
  SENTRY_DSN: 'Sentry DSN errors are reported to (unset: not reported)',
  TRUST_PROXY: 'Whether to trust X-Forwarded-* headers from a reverse proxy in front of the app',
  DATA_DIR: 'Directory the app keeps its data in',
};

/** A real description of a conventional variable, or undefined when init cannot know. */
export function knownDescription(name: string): string | undefined {
  return Object.hasOwn(KNOWN, name) ? KNOWN[name] : undefined;
}

/** What init writes for a variable it cannot describe: clearly a placeholder, listed in the notes. */
export function placeholderDescription(name: string): string {
  return `TODO: what ${name} is for`;
}
