#!/usr/bin/env node
// The `fulcrum` binary.
import { main, reportFatal } from './main.js';

main(process.argv.slice(2)).catch(reportFatal);
