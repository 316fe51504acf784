import { registeredRoutes } from '../../apps/api/src/bootstrap';
import { INestApplication, RequestMethod } from '@nestjs/common';
import { METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants';
import { ModulesContainer } from '@nestjs/core';
import { Role } from '@app/domain/shared/decider';
import { PUBLIC_KEY, ROLES_KEY } from '@app/platform/auth/roles';

/** One route as Nest serves it, with what it declares to the guard. */
export interface DiscoveredRoute {
  method: string;
  /** Express form: `/v1/candidates/:id/erasure`. */
  path: string;
  /** Declared roles, undefined when the route declares none. */
  roles?: Role[];
  public: boolean;
  /** `Controller.method`, to name a culprit. */
  handler: string;
}

/**
 * Every controller route of the running application, found at run time from
 * Nest's module container, with the @Roles/@Public metadata the guard reads
 * (method first, then class, like Reflector.getAllAndOverride).
 */
export function discoverRoutes(app: INestApplication): DiscoveredRoute[] {
  const routes: DiscoveredRoute[] = [];
  const seen = new Set<unknown>();
  for (const module of app.get(ModulesContainer).values()) {
    for (const wrapper of module.controllers.values()) {
      const controller = wrapper.metatype as (new (...args: never[]) => unknown) | undefined;
      if (!controller || seen.has(controller)) continue;
      seen.add(controller);
      const prefixes = asArray(Reflect.getMetadata(PATH_METADATA, controller) ?? '/');
      for (const name of methodNames(controller.prototype)) {
        const handler = controller.prototype[name];
        const paths = Reflect.getMetadata(PATH_METADATA, handler);
        const method = Reflect.getMetadata(METHOD_METADATA, handler);
        if (paths === undefined || method === undefined) continue;
        const roles = Reflect.getMetadata(ROLES_KEY, handler) ?? Reflect.getMetadata(ROLES_KEY, controller);
        const isPublic = Reflect.getMetadata(PUBLIC_KEY, handler) ?? Reflect.getMetadata(PUBLIC_KEY, controller) ?? false;
        for (const prefix of prefixes) {
          for (const path of asArray(paths)) {
            routes.push({ method: RequestMethod[method as RequestMethod], path: join(prefix, path), roles, public: !!isPublic, handler: `${controller.name}.${name}` });
          }
        }
      }
    }
  }
  return routes.sort((a, b) => a.path.localeCompare(b.path) || a.method.localeCompare(b.method));
}

/** Every route the HTTP server holds, Nest's or not (Swagger UI registers its own); HEAD twins of GET routes left out. */
export function serverRoutes(app: INestApplication): Array<{ method: string; path: string }> {
  return registeredRoutes(app).filter((r) => r.method !== 'HEAD');
}

/** A concrete URL for a route: every `:param` replaced by `id` (an unknown uuid by default). */
export function concretePath(path: string, id: (param: string) => string): string {
  // A value that already looks percent-encoded is sent as is (to test malformed encodings too).
  return path.replace(/:([A-Za-z0-9_]+)/g, (_, param: string) => {
    const value = id(param);
    return /%[0-9A-Fa-f]{2}/.test(value) ? value : encodeURIComponent(value);
  });
}

function methodNames(prototype: object): string[] {
  const names = new Set<string>();
  for (let p: object | null = prototype; p && p !== Object.prototype; p = Object.getPrototypeOf(p)) {
    for (const name of Object.getOwnPropertyNames(p)) if (name !== 'constructor' && typeof Object.getOwnPropertyDescriptor(p, name)?.value === 'function') names.add(name);
  }
  return [...names];
}

function asArray<T>(value: T | T[]): T[] {
  return Array.isArray(value) ? value : [value];
}

function join(prefix: string, path: string): string {
  const joined = `/${prefix}/${path}`.replace(/\/+/g, '/');
  return joined.length > 1 ? joined.replace(/\/$/, '') : joined;
}
