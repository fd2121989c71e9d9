// Structured logging (pino): JSON lines on stderr, so stdout stays free for
// the CLI's own output.
import { pino } from 'pino';

export type Logger = pino.Logger;

export function createLogger(options: { name: string; level?: string }): Logger {
  return pino({ name: options.name, level: options.level ?? 'info' }, pino.destination(2));
}

export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
