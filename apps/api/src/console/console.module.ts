import { DynamicModule, Module } from '@nestjs/common';
import type { AuthConfig } from '@app/platform/auth/auth.config';
import { ConsoleConfigController, ConsoleDevTokenController } from './console.controller';
import type { ConsoleSettings } from './console.config';
import { AUTH_CONFIG, CONSOLE_SETTINGS } from './console.tokens';

/** The console's two API routes; its static files are served by registerConsoleStatic. */
@Module({})
export class ConsoleModule {
  static forRoot(settings: ConsoleSettings, auth: AuthConfig): DynamicModule {
    return {
      module: ConsoleModule,
      controllers: settings.devSignIn === 'off' ? [ConsoleConfigController] : [ConsoleConfigController, ConsoleDevTokenController],
      providers: [
        { provide: CONSOLE_SETTINGS, useValue: settings },
        { provide: AUTH_CONFIG, useValue: auth },
      ],
    };
  }
}
