import { UuidParam } from '../sessions/uuid-param.pipe';

export const RequestIdParam = () => new UuidParam('accommodation request');
