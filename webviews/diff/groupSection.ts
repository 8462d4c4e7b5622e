import { formatCount } from '../../common/format';
import { shownMembers } from '../../common/groupReview';
import type { GroupShown, ShownMember, Verdict } from '../../common/webviewProtocol';
import { append, h, icon } from '../shared/dom';

// The group view's section, above its representative's diff: what the group is ("38 repositories ·
// the same change"), its members (each opens its own diff), and Approve group / Reject group, which
// review exactly the members listed here, each at the digest the page was given for it.

export interface GroupSectionActions {
  /** Resolves with the message to show (what was done, or why not). */
  reviewGroup(state: Verdict, members: ShownMember[]): Promise<string | undefined>;
  openMember(repositoryName: string): void;
  /** Show another group in this view (the next unreviewed one). */
  openGroup(fingerprint: string): void;
}

const STATE_ICONS = {
  unreviewed: ['circle-large-outline', 'not reviewed'],
  approved: ['pass-filled', 'approved'],
  rejected: ['close', 'rejected'],
} as const;

export function groupSection(document: Document, group: GroupShown, actions: GroupSectionActions): HTMLElement {
  const members = group.members.map((member) => member.repositoryName);
  const status = h(document, 'p', { class: 'group-status', role: 'status' });
  const say = (message: string, error = false) => {
    status.textContent = message;
    status.classList.toggle('error', error);
    status.setAttribute('role', error ? 'alert' : 'status');
  };
  const approved = group.members.filter((member) => member.state === 'approved').length;
  const rejected = group.members.filter((member) => member.state === 'rejected').length;
  // Once every member is reviewed, the next group with work left is what the reviewer wants.
  const nextFirst = !!group.next && approved + rejected === members.length;
  const next = group.next
    ? h(
        document,
        'button',
        {
          type: 'button',
          id: 'next-group',
          class: nextFirst ? 'primary' : undefined,
          title: `Show the next group with a repository not reviewed yet: ${group.next.title}`,
        },
        icon(document, 'arrow-right'),
        `Next unreviewed group: ${group.next.title}`,
      )
    : undefined;
  next?.addEventListener('click', () => actions.openGroup(group.next!.fingerprint));
  const buttons: HTMLButtonElement[] = [];
  const button = (state: Verdict) => {
    const element = h(
      document,
      'button',
      {
        type: 'button',
        id: state === 'approved' ? 'approve-group' : 'reject-group',
        'data-acts': true,
        // An outlier is approved on purpose, not by the button the eye goes to first.
        class: state === 'approved' && group.kind !== 'outlier' && !nextFirst ? 'primary' : undefined,
        title: `${state === 'approved' ? 'Approve' : 'Reject'} the ${formatCount(members.length)} repositories listed`,
      },
      icon(document, state === 'approved' ? 'check-all' : 'close-all'),
      state === 'approved' ? 'Approve group' : 'Reject group',
    );
    element.disabled = (state === 'approved' ? approved : rejected) === members.length;
    element.addEventListener('click', () => {
      for (const each of buttons) each.disabled = true;
      say(state === 'approved' ? 'Approving the group…' : 'Rejecting the group…');
      Promise.resolve()
        .then(() => actions.reviewGroup(state, shownMembers(group.members)))
        .then(
          (message) => message && say(message),
          (error: unknown) => {
            for (const each of buttons) each.disabled = false;
            say(error instanceof Error ? error.message : String(error), true);
          },
        );
    });
    buttons.push(element);
    return element;
  };
  const list = h(document, 'ul', { class: 'group-members' });
  for (const member of group.members) {
    const [iconName, word] = STATE_ICONS[member.state];
    const open = h(
      document,
      'button',
      { type: 'button', class: 'link', title: `Open ${member.repositoryName}'s own diff` },
      member.repositoryName,
    );
    open.addEventListener('click', () => actions.openMember(member.repositoryName));
    append(
      list,
      h(
        document,
        'li',
        { 'data-repository': member.repositoryName, 'data-state': member.state },
        icon(document, iconName, word),
        ' ',
        open,
        member.repositoryName === group.representative
          ? h(document, 'span', { class: 'muted' }, ' (shown)')
          : undefined,
      ),
    );
  }
  return h(
    document,
    'section',
    { class: 'group-view', 'aria-label': 'Change group' },
    h(
      document,
      'div',
      { class: 'toolbar' },
      icon(document, 'layers'),
      h(document, 'strong', { id: 'group-title' }, group.title),
      h(
        document,
        'span',
        { class: 'muted' },
        ` · ${formatCount(approved + rejected)} of ${formatCount(members.length)} reviewed · showing ${group.representative}'s diff`,
      ),
      h(document, 'span', { class: 'spacer' }),
      h(document, 'span', { class: 'review-buttons' }, button('approved'), button('rejected')),
    ),
    next ? h(document, 'div', { class: 'toolbar' }, next) : undefined,
    h(
      document,
      'details',
      { class: 'group-member-list', open: members.length <= 50 },
      h(document, 'summary', {}, `Repositories (${formatCount(members.length)})`),
      list,
    ),
    status,
  );
}
