#!/usr/bin/env node
import { execute } from '@oclif/core';
import { ensureCommandManifest } from '../dist/cli/command-manifest.js';

const root = new URL('..', import.meta.url).pathname;
await ensureCommandManifest(root);
await execute({ dir: import.meta.url });
