import { surroundingsNote } from '../../common/changeGroupText';
import { formatCount } from '../../common/format';
import { shownMembers } from '../../common/groupReview';
import type { GroupShown, ShownMember, SurroundingsShown, Verdict } from '../../common/webviewProtocol';
import { append, h, icon } from '../shared/dom';

// The group view's section, above its representative's diff: what the group is ("38 repositories ·
// the same change"), its members (each opens its own diff), and Approve group / Reject group, which
// review exactly the members listed here, each at the digest the page was given for it. Members
// with the same lines in other surroundings (the code around the change differs from the one shown:
// an auth check moved into `if (false) {`) are listed apart, "same lines, different surroundings",
// each with Show surroundings: the hunks whose surroundings differ, shown here, the lines the shown
// diff lacks marked. Approve group waits until each has been shown (or its member's own diff
// opened); the host sends which were.

export interface GroupSectionActions {
  /** Resolves with the message to show (what was done, or why not). */
  reviewGroup(state: Verdict, members: ShownMember[]): Promise<string | undefined>;
  openMember(repositoryName: string): void;
  /** A member's hunks whose surroundings differ from the shown diff's; the host counts it as opened. */
  showSurroundings(repositoryName: string): Promise<SurroundingsShown>;
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
  let approveButton: HTMLButtonElement | undefined;
  const variants = group.surroundings ?? [];
  const opened = variants.map((variant) => variant.opened);
  const note = h(document, 'p', { class: 'surroundings-note', id: 'surroundings-note' });
  /** Approve group waits until every member in other surroundings has been shown. */
  const gateApproval = () => {
    const count = opened.filter(Boolean).length;
    note.textContent = variants.length ? surroundingsNote(variants.length, count) : '';
    if (!approveButton || count === variants.length) return;
    approveButton.disabled = true;
    const left = variants.length - count;
    approveButton.title = `Show the surroundings of the ${formatCount(left)} ${left === 1 ? 'member' : 'members'} not opened yet first`;
  };
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
    if (state === 'approved') approveButton = element;
    element.addEventListener('click', () => {
      for (const each of buttons) each.disabled = true;
      say(state === 'approved' ? 'Approving the group…' : 'Rejecting the group…');
      Promise.resolve()
        .then(() => actions.reviewGroup(state, shownMembers(group.members)))
        .then(
          (message) => message && say(message),
          (error: unknown) => {
            for (const each of buttons) each.disabled = false;
            gateApproval();
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
    open.addEventListener('click', () => {
      actions.openMember(member.repositoryName);
      const variant = variants.findIndex((each) => each.repositories.includes(member.repositoryName));
      if (variant >= 0) markOpened(variant);
    });
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
  const variantItems: HTMLElement[] = [];
  const markOpened = (index: number) => {
    opened[index] = true;
    variantItems[index]?.setAttribute('data-opened', 'true');
    const wasDisabled = approveButton?.disabled;
    gateApproval();
    if (approveButton && wasDisabled && opened.every(Boolean)) {
      approveButton.disabled = approved === members.length;
      approveButton.title = `Approve the ${formatCount(members.length)} repositories listed`;
    }
  };
  const showOne = async (index: number, place: HTMLElement, trigger: HTMLButtonElement) => {
    trigger.disabled = true;
    try {
      const shown = await actions.showSurroundings(variants[index]!.repositories[0]!);
      place.replaceChildren(...surroundingsElements(document, shown));
      place.hidden = false;
      trigger.hidden = true;
      markOpened(index);
    } catch (error) {
      trigger.disabled = false;
      say(error instanceof Error ? error.message : String(error), true);
    }
  };
  const showButtons: (() => Promise<void>)[] = [];
  variants.forEach((variant, index) => {
    const [first, ...alike] = variant.repositories;
    const place = h(document, 'div', { class: 'surroundings', hidden: true });
    const show = h(
      document,
      'button',
      { type: 'button', class: 'show-surroundings', title: `Show what surrounds the change in ${first}` },
      icon(document, 'eye'),
      'Show surroundings',
    );
    const run = () => showOne(index, place, show);
    show.addEventListener('click', () => void run());
    showButtons.push(() => (show.hidden ? Promise.resolve() : run()));
    const item = h(
      document,
      'li',
      { 'data-repository': first!, 'data-opened': String(variant.opened) },
      icon(document, 'warning', 'same lines, different surroundings'),
      ' ',
      h(document, 'strong', {}, first!),
      alike.length ? h(document, 'span', { class: 'muted' }, ` and ${formatCount(alike.length)} alike`) : undefined,
      ' ',
      show,
      place,
    );
    variantItems.push(item);
  });
  const showAll = h(
    document,
    'button',
    { type: 'button', id: 'show-all-surroundings' },
    icon(document, 'eye'),
    `Show all ${formatCount(variants.length)}`,
  );
  showAll.addEventListener('click', async () => {
    showAll.disabled = true;
    for (const show of showButtons) await show();
  });
  const surroundings = variants.length
    ? h(
        document,
        'section',
        { class: 'group-surroundings', 'aria-labelledby': 'surroundings-heading' },
        h(
          document,
          'div',
          { class: 'toolbar' },
          h(document, 'strong', { id: 'surroundings-heading' }, 'Same lines, different surroundings'),
          variants.length > 1 ? showAll : undefined,
        ),
        note,
        h(document, 'ul', { class: 'surroundings-list' }, ...variantItems),
      )
    : undefined;
  const approveGroup = button('approved');
  const rejectGroup = button('rejected');
  gateApproval();
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
      h(document, 'span', { class: 'review-buttons' }, approveGroup, rejectGroup),
    ),
    next ? h(document, 'div', { class: 'toolbar' }, next) : undefined,
    h(
      document,
      'details',
      { class: 'group-member-list', open: members.length <= 50 },
      h(document, 'summary', {}, `Repositories (${formatCount(members.length)})`),
      list,
    ),
    surroundings,
    status,
  );
}

/** A member's hunks in other surroundings: where each is, and its lines, those the shown diff lacks marked. */
function surroundingsElements(document: Document, shown: SurroundingsShown): HTMLElement[] {
  if (shown.hunks.length === 0)
    return [h(document, 'p', { class: 'muted' }, 'Its diff now reads as the shown one (load the group again).')];
  const elements = shown.hunks.map((hunk) =>
    h(
      document,
      'div',
      { class: 'surrounding-hunk' },
      h(document, 'div', { class: 'muted hunk-place' }, `${hunk.path} ${hunk.header}`),
      h(
        document,
        'pre',
        {},
        ...hunk.lines.map((line) =>
          h(
            document,
            'span',
            {
              class: `line ${line.text[0] === '+' ? 'added' : line.text[0] === '-' ? 'removed' : 'context'}${line.differs ? ' differs' : ''}`,
              title: line.differs ? 'Not around the change in the shown diff' : undefined,
            },
            `${line.differs ? '!' : ' '} ${line.text}\n`,
          ),
        ),
        hunk.moreLines ? `  … ${formatCount(hunk.moreLines)} more lines\n` : undefined,
      ),
    ),
  );
  if (shown.moreHunks)
    elements.push(
      h(document, 'p', { class: 'muted' }, `… and ${formatCount(shown.moreHunks)} more hunks: open its diff`),
    );
  return elements;
}
