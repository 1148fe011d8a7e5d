import pino, { type Logger } from 'pino';

/**
 * Structured JSON logs. Secrets never reach a log call by design (credentials stay sealed
 * until the moment of a provider call); the redaction list is the second line of defence.
 */
export function createLogger(level: string): Logger {
  return pino({
    level,
    base: { service: 'switchboard' },
    redact: {
      paths: [
        'authorization',
        '*.authorization',
        'headers.authorization',
        '*.headers.authorization',
        'authToken',
        '*.authToken',
        'apiKey',
        '*.apiKey',
        'apiSecret',
        '*.apiSecret',
        'privateKey',
        '*.privateKey',
        'signatureSecret',
        '*.signatureSecret',
        'webhookSecret',
        '*.webhookSecret',
        'secret',
        '*.secret',
      ],
      censor: '[redacted]',
    },
  });
}
