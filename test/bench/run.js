#!/usr/bin/env node
'use strict';
// Entry point of `npm run bench`: TypeScript compiled in memory (register.js), no build step.
require('./register');
require('./bench.ts')
  .main()
  .then(
    () => process.exit(0),
    (error) => {
      console.error(error);
      process.exit(1);
    },
  );
