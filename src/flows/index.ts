/** The flow rule service: desired flows per switch, owner cookies, hitless reconciliation. */
export * from './config.js';
export * from './cookie.js';
export * from './compare.js';
export * from './reconcile.js';
export * from './service.js';
