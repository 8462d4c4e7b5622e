import '../shared/base.css';
import '../diff/style.css';
import '../thread/style.css';
import '../createJob/style.css';
import '../createJob/sections.css';
import '../overview/style.css';
import '../compose/style.css';
import './palette.css';
import './app.css';
import { startApp } from './app';

// The web app's entry point (dist/web/app.js, an ES module): jobs, diffs, threads and logs in a browser
// tab. Each page's code is a chunk of its own, loaded when the page is first opened (app.ts).

void startApp(window);
