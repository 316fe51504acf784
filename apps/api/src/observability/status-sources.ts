import { Inject, Injectable } from '@nestjs/common';
import { ModulesContainer, ModuleRef } from '@nestjs/core';
import { EventStore } from '@app/event-store/event-store';
import { EVENT_STORE } from '@app/platform/persistence.module';

/**
 * Tokens other modules may bind their status services to
 * (`{ provide: PROJECTION_STATUS, useExisting: TheirService }`). Without a
 * binding, providers are also found by class name (a `status()` method on a
 * Projection…/Ledger… service), so metrics and readiness work before and after
 * those modules land, and never make them depend on this one.
 */
export const PROJECTION_STATUS = 'PROJECTION_STATUS';
export const LEDGER_STATUS = 'LEDGER_STATUS';

export interface ProjectionReading {
  name: string;
  position: number;
  lag: number;
  failed: boolean;
}

export interface LedgerReading {
  sealedSeq: number;
  lag: number;
  checkpointAgeSeconds: number | null;
}

type WithStatus = { status(): Promise<unknown> | unknown };

@Injectable()
export class StatusSources {
  constructor(
    private readonly moduleRef: ModuleRef,
    private readonly modules: ModulesContainer,
    @Inject(EVENT_STORE) private readonly store: EventStore,
  ) {}

  async headPosition(): Promise<number> {
    return this.store.headPosition();
  }

  /** Null when no projection engine runs in this process. */
  async projections(): Promise<ProjectionReading[] | null> {
    const source = this.find(PROJECTION_STATUS, /^Projection(s)?(Status|Engine|Service|Runner|Manager|Supervisor)/);
    if (!source) return null;
    const raw = await source.status();
    const list = Array.isArray(raw) ? raw : Array.isArray((raw as { projections?: unknown })?.projections) ? (raw as { projections: unknown[] }).projections : [];
    const head = await this.headPosition();
    return list.map((p) => normaliseProjection(p as Record<string, unknown>, head));
  }

  /** Null when no ledger service is registered. */
  async ledger(): Promise<LedgerReading | null> {
    const source = this.find(LEDGER_STATUS, /^Ledger(Service|Sealer|Status)/);
    if (!source) return null;
    const s = (await source.status()) as Record<string, unknown>;
    const sealedSeq = num(s.sealedSeq ?? s.size ?? 0);
    const lag = s.unsealedEvents !== undefined ? num(s.unsealedEvents) : s.lag !== undefined ? num(s.lag) : Math.max(0, num(s.headPosition) - num(s.sealedPosition));
    const age = s.lastCheckpointAgeSeconds ?? s.checkpointAgeSeconds;
    return { sealedSeq, lag, checkpointAgeSeconds: age === null || age === undefined ? null : num(age) };
  }

  private find(token: string, className: RegExp): WithStatus | null {
    try {
      const bound = this.moduleRef.get<WithStatus>(token, { strict: false });
      if (bound && typeof bound.status === 'function') return bound;
    } catch {
      // not bound: look by class name
    }
    for (const module of this.modules.values()) {
      for (const wrapper of module.providers.values()) {
        const instance = wrapper.instance as WithStatus | undefined;
        const name = wrapper.metatype && typeof wrapper.metatype === 'function' ? wrapper.metatype.name : String(wrapper.name ?? '');
        if (instance && typeof instance.status === 'function' && className.test(name)) return instance;
      }
    }
    return null;
  }
}

function normaliseProjection(p: Record<string, unknown>, head: number): ProjectionReading {
  const checkpoint = p.checkpoint as { position?: unknown } | undefined;
  const position = num(p.position ?? p.lastPosition ?? checkpoint?.position ?? 0);
  const lag = p.lag !== undefined ? num(p.lag) : Math.max(0, num(p.headPosition ?? head) - position);
  return {
    name: String(p.name ?? p.projection ?? 'unknown'),
    position,
    lag,
    failed: Boolean(p.failed ?? p.halted ?? p.error ?? (p.state === 'failed')),
  };
}

function num(v: unknown): number {
  const n = Number(v);
  return Number.isFinite(n) ? n : 0;
}
