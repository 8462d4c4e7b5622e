import { ApiError, bearerAuth, CodyBatchClient } from '../../common/client';
import { WEB_CONFIG_FILE, WebConfig } from '../../common/webConfig';
import { h } from '../shared/dom';
import { errorText, type PageContext } from './page';
import { alertBox } from './pages/parts';
import { parseRoute, type Route, routeHref } from './routes';
import {
  cognitoSignOutUrl,
  currentSession,
  forgetSession,
  keepToken,
  type Session,
  signInWithCognito,
} from './session';
import { jobTouched } from './viewWatch';

// The app: its configuration, the sign-in, the frame every page shares (a navigation bar, a live
// region, <main>) and the router that draws the page of the address, again on every change of it.

export async function startApp(window: Window): Promise<void> {
  const document = window.document;
  const body = document.body;
  const config = await loadConfig(window);
  const apiUrl = config.apiUrl ?? window.location.origin;
  let session: Session | undefined;
  try {
    session = await currentSession(config, window);
  } catch (error) {
    return showSignIn(window, config, apiUrl, errorText(error));
  }
  if (!session) return showSignIn(window, config, apiUrl);
  body.replaceChildren();
  runApp(window, config, apiUrl, session);
}

async function loadConfig(window: Window): Promise<WebConfig> {
  try {
    const response = await window.fetch(new URL(WEB_CONFIG_FILE, window.location.href), { cache: 'no-store' });
    if (response.ok) return WebConfig.parse(await response.json());
  } catch {
    // No configuration (or a bad one): the local stack's, the API on this origin.
  }
  return { auth: 'token' };
}

function clientFor(window: Window, apiUrl: string, token: string, onUnauthorized: () => void): CodyBatchClient {
  return new CodyBatchClient({
    baseUrl: apiUrl,
    auth: bearerAuth(token),
    fetch: async (input, init) => {
      const response = await window.fetch(input, init);
      if (response.status === 401) onUnauthorized();
      // This tab changed a job (a review, a revision, a bulk action): the other tabs' views of it look again now.
      const method = init?.method ?? (input instanceof Request ? input.method : 'GET');
      const jobId = /\/jobs\/([^/?#]+)/.exec(input instanceof Request ? input.url : String(input))?.[1];
      if (response.ok && method !== 'GET' && jobId) jobTouched(window, decodeURIComponent(jobId));
      return response;
    },
  });
}

function showSignIn(window: Window, config: WebConfig, apiUrl: string, problem?: string): void {
  const document = window.document;
  document.title = 'Sign in · Cody Batch';
  const errors = h(document, 'div', {}, problem ? alertBox(document, problem) : undefined);
  const main = h(document, 'main', { id: 'sign-in', class: 'sign-in' }, h(document, 'h1', {}, 'Cody Batch'), errors);
  if (config.auth === 'cognito') {
    const signIn = h(document, 'button', { type: 'button', class: 'primary', id: 'sign-in-button' }, 'Sign in');
    signIn.addEventListener('click', () => void signInWithCognito(config, window));
    main.append(h(document, 'p', {}, 'Sign in to see your jobs.'), signIn);
  } else {
    const input = h(document, 'input', {
      id: 'token',
      name: 'token',
      type: 'password',
      autocomplete: 'off',
      spellcheck: 'false',
      required: true,
      'aria-describedby': 'token-help',
    });
    const form = h(
      document,
      'form',
      { id: 'token-form' },
      h(document, 'label', { for: 'token' }, 'Token'),
      input,
      h(
        document,
        'p',
        { id: 'token-help', class: 'muted' },
        'The local stack’s token: open the link `npm start` prints, or paste the token from ' +
          '~/.cody-batch/token (or $CODY_BATCH_HOME/token). It is kept for this tab only.',
      ),
      h(document, 'button', { type: 'submit', class: 'primary' }, 'Sign in'),
    );
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      const token = input.value.trim();
      const client = clientFor(window, apiUrl, token, () => undefined);
      client.listJobs({ limit: 1 }).then(
        () => {
          keepToken(window, token);
          input.value = '';
          document.body.replaceChildren();
          if (!window.location.hash.startsWith('#/')) window.history.replaceState(null, '', '#/jobs');
          runApp(window, config, apiUrl, { token });
        },
        (error: unknown) =>
          errors.replaceChildren(
            alertBox(
              document,
              error instanceof ApiError && error.status === 401
                ? 'That is not this stack’s token.'
                : `Signing in failed: ${errorText(error)}`,
            ),
          ),
      );
    });
    main.append(h(document, 'p', {}, 'Sign in to see your jobs.'), form);
  }
  document.body.replaceChildren(main);
  main.querySelector<HTMLElement>('input, button')?.focus();
}

function runApp(window: Window, config: WebConfig, apiUrl: string, session: Session): void {
  const document = window.document;
  let signedOut = false;
  const signOut = (problem?: string) => {
    if (signedOut) return;
    signedOut = true;
    leave();
    forgetSession(window);
    window.removeEventListener('hashchange', onRoute);
    if (config.auth === 'cognito' && !problem) return window.location.assign(cognitoSignOutUrl(config, window));
    showSignIn(window, config, apiUrl, problem);
  };
  const client = clientFor(window, apiUrl, session.token, () => signOut('Your session has ended: sign in again.'));

  const announcer = h(document, 'div', { class: 'visually-hidden', 'aria-live': 'polite', id: 'announcer' });
  const signOutButton = h(document, 'button', { type: 'button', id: 'sign-out' }, 'Sign out');
  signOutButton.addEventListener('click', () => signOut());
  const navLinks = [
    h(document, 'a', { href: routeHref({ page: 'jobs' }), 'data-page': 'jobs' }, 'Jobs'),
    h(document, 'a', { href: routeHref({ page: 'create' }), 'data-page': 'create' }, 'Create Job'),
  ];
  const main = h(document, 'main', { id: 'main' });
  document.body.append(
    h(document, 'a', { class: 'skip-link', href: '#main-content' }, 'Skip to content'),
    h(
      document,
      'nav',
      { class: 'app-bar', 'aria-label': 'Cody Batch' },
      h(document, 'span', { class: 'brand' }, 'Cody Batch'),
      ...navLinks,
      h(document, 'span', { class: 'spacer' }),
      signOutButton,
    ),
    main,
    announcer,
  );
  // The skip link's target is not a route: it moves focus, not the address.
  document.querySelector('.skip-link')?.addEventListener('click', (event) => {
    event.preventDefault();
    const heading = main.querySelector<HTMLElement>('h1');
    heading?.setAttribute('tabindex', '-1');
    heading?.focus();
  });

  let leaving: (() => void)[] = [];
  function leave() {
    for (const stop of leaving) stop();
    leaving = [];
  }
  let first = true;
  let drawn = 0;
  function onRoute() {
    // A fragment that is not a route (a skip link, an old bookmark's anchor) stays where it is.
    if (!window.location.hash.startsWith('#/') && window.location.hash !== '') return;
    leave();
    const route = parseRoute(window.location.hash);
    const root = h(
      document,
      'div',
      { id: 'app', 'aria-busy': 'true' },
      h(document, 'p', { class: 'loading' }, 'Loading…'),
    );
    main.replaceChildren(root);
    for (const link of navLinks)
      if (link.dataset.page === route.page) link.setAttribute('aria-current', 'page');
      else link.removeAttribute('aria-current');
    const draw = ++drawn;
    const context: PageContext = {
      client,
      window,
      document,
      root,
      apiUrl,
      navigate: (next: Route) => {
        // Going to the page shown (a review that stays here) draws it again: the hash does not change.
        const href = routeHref(next);
        if (window.location.hash === href) onRoute();
        else window.location.hash = href;
      },
      announce: (text) => {
        announcer.textContent = '';
        window.setTimeout(() => (announcer.textContent = text), 50);
      },
      onLeave: (stop) => leaving.push(stop),
      setTitle: (title) => {
        document.title = `${title} · Cody Batch`;
      },
    };
    const moveFocus = !first;
    first = false;
    void renderRoute(context, route)
      .catch((error: unknown) => {
        if (draw !== drawn) return;
        root.removeAttribute('aria-busy');
        root.replaceChildren(alertBox(document, errorText(error)));
      })
      .then(() => {
        // After a navigation, focus goes to the new page's heading, as a screen reader expects.
        // (Unless the page put it somewhere itself: the Create Job form's Name field.)
        const placed = root.contains(document.activeElement);
        const heading = moveFocus && draw === drawn && !placed ? root.querySelector<HTMLElement>('h1') : null;
        heading?.setAttribute('tabindex', '-1');
        heading?.focus({ preventScroll: true });
      });
  }
  window.addEventListener('hashchange', onRoute);
  if (!window.location.hash) window.history.replaceState(null, '', routeHref({ page: 'jobs' }));
  onRoute();
}

async function renderRoute(context: PageContext, route: Route): Promise<void> {
  context.root.replaceChildren();
  switch (route.page) {
    // Each page's code loads when it is first opened (a chunk of its own, esbuild.mjs): the jobs
    // list does not wait for diff2html, markdown-it or the Create Job form.
    case 'jobs':
      return (await import('./pages/jobs')).renderJobsPage(context, route.pageToken);
    case 'job':
      return (await import('./pages/job')).renderJobPage(context, route.jobId);
    case 'diff':
      return (await import('./pages/diffView')).renderDiffPage(context, route);
    case 'thread':
      return (await import('./pages/threadView')).renderThreadPage(context, route);
    case 'log':
      return (await import('./pages/log')).renderLogPage(context, route);
    case 'create':
      return (await import('./pages/createJobView')).renderCreateJobPage(context);
    case 'notFound':
      context.setTitle('Not found');
      context.root.removeAttribute('aria-busy');
      context.root.append(
        h(context.document, 'h1', { tabindex: '-1' }, 'No such page'),
        h(context.document, 'p', {}, h(context.document, 'a', { href: routeHref({ page: 'jobs' }) }, 'Your jobs')),
      );
  }
}
