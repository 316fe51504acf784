import { Injectable } from '@nestjs/common';

/**
 * The time commands decide at (`context.now`: closing dates, the four-month
 * revision rule, award dates, deadlines). One injectable seam, so a test can
 * fix it; the domain never reads the time itself.
 */
@Injectable()
export class Clock {
  now(): string {
    return new Date().toISOString();
  }
}
