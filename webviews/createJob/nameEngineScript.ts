import { RE2JS } from 're2js';
import { nameEngineArrives } from './nameEngine';

// nameEngine.js: the Create Job form's name filters' engine, loaded after the form paints (nameEngine.ts).

nameEngineArrives(RE2JS);
