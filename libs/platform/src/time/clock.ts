import { Injectable } from '@nestjs/common';

/**
 * The time the product's time-based rules read (webhook disable windows, retry schedules, cooldowns,
 * stale runs). Services take a Clock instead of calling Date.now(), so a test can move time forward
 * instead of sleeping through it.
 */
export abstract class Clock {
  /** Milliseconds since the epoch. */
  abstract now(): number;

  date(): Date {
    return new Date(this.now());
  }
}

/** The wall clock. */
@Injectable()
export class SystemClock extends Clock {
  now(): number {
    return Date.now();
  }
}

/** A clock that stands still until a test moves it. */
export class ManualClock extends Clock {
  constructor(private current = Date.now()) {
    super();
  }

  now(): number {
    return this.current;
  }

  advance(ms: number): void {
    if (!(ms >= 0)) throw new RangeError('a clock only moves forward');
    this.current += ms;
  }

  set(epochMs: number): void {
    this.current = epochMs;
  }
}
