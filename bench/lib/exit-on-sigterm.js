/* global setTimeout */
'use strict';
// Preloaded (node -r) into a profiled app: a plain exit on SIGTERM, so --cpu-prof writes its profile
// (an app that re-raises the signal after its shutdown hooks would die without writing it).
process.once('SIGTERM', () => setTimeout(() => process.exit(0), 200));
