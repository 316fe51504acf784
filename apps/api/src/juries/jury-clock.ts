import { Injectable } from '@nestjs/common';

/**
 * Where deliberation commands read the time (closing dates, the four-month
 * revision rule, award dates). One injectable seam so a test can fix it.
 */
@Injectable()
export class JuryClock {
  now(): string {
    return new Date().toISOString();
  }
}
