import type { GroupLine } from '../../common/changeGroupText';
import { formatCount } from '../../common/format';
import type { Verdict } from '../../common/webviewProtocol';
import { h, icon } from '../shared/dom';

// The overview's "Changes" section: one entry per change group, largest first ("38 repositories ·
// the same change", "1 · outlier: touches package-lock.json"), with its files, review counts, and
// buttons to open it (its representative's diff with its members) and to approve or reject every
// member shown. A group whose members have the same lines in other surroundings says so, and is
// approved from the group view, where they are shown. A notice says what the last group review
// did, or why it was refused.

export interface GroupActions {
  openGroup(fingerprint: string): void;
  /** Fix Failing Checks…, Address Review…, Update Branches… or Send Instruction… on the group's pull requests. */
  followUpGroup(line: GroupLine): void;
  reviewGroup(line: GroupLine, state: Verdict): void;
}

export interface GroupsData {
  lines?: GroupLine[];
  /** Why the groups could not be read. */
  error?: string;
  /** What the last group review did (or why it was refused). */
  notice?: { text: string; error: boolean };
}

const KIND_ICONS: Record<GroupLine['kind'], string> = {
  main: 'layers',
  variant: 'layers-dot',
  outlier: 'warning',
  other: 'diff',
};

function files(list: readonly string[]): string {
  const shown = list.slice(0, 3).join(', ');
  return list.length > 3 ? `${shown} and ${formatCount(list.length - 3)} more` : shown;
}

export function groupsSection(document: Document, data: GroupsData, actions: GroupActions): HTMLElement {
  const lines = data.lines ?? [];
  const notice = data.notice
    ? h(
        document,
        'p',
        { class: data.notice.error ? 'notice error' : 'notice', role: data.notice.error ? 'alert' : 'status' },
        data.notice.text,
      )
    : undefined;
  const button = (label: string, iconName: string, title: string, onClick: () => void, primary = false) => {
    const element = h(
      document,
      'button',
      { type: 'button', class: primary ? 'primary' : undefined, title },
      icon(document, iconName),
      label,
    );
    element.addEventListener('click', onClick);
    return element;
  };
  return h(
    document,
    'section',
    { class: 'changes', 'aria-labelledby': 'changes-heading' },
    h(
      document,
      'h2',
      { id: 'changes-heading' },
      data.lines ? `Changes (${formatCount(lines.length)} distinct)` : 'Changes',
    ),
    notice,
    data.error ? h(document, 'p', { class: 'muted' }, `The change groups could not be read: ${data.error}`) : undefined,
    data.lines && lines.length === 0
      ? h(document, 'p', { class: 'muted' }, 'No repository has a change yet.')
      : undefined,
    lines.length > 0
      ? h(
          document,
          'ul',
          { class: 'group-list' },
          ...lines.map((line) => {
            const members = `${formatCount(line.repositories.length)} ${line.repositories.length === 1 ? 'repository' : 'repositories'}`;
            const approve = button(
              'Approve group',
              'check',
              `Approve all ${members} of this group`,
              () => actions.reviewGroup(line, 'approved'),
              // An outlier is approved on purpose, never by the button the eye goes to first.
              line.kind !== 'outlier',
            );
            const reject = button('Reject group', 'close', `Reject all ${members} of this group`, () =>
              actions.reviewGroup(line, 'rejected'),
            );
            approve.disabled = line.allApproved || line.surroundings > 0;
            // Members in other surroundings are read in the group view first: Approve group is there.
            if (line.surroundings > 0 && !line.allApproved)
              approve.title = `Open the group first: ${formatCount(line.surroundings)} of its members' surroundings differ from the one shown`;
            reject.disabled = line.allRejected;
            return h(
              document,
              'li',
              { class: `group kind-${line.kind}`, 'data-fingerprint': line.fingerprint, 'aria-label': line.title },
              h(
                document,
                'div',
                { class: 'group-title' },
                icon(document, KIND_ICONS[line.kind]),
                ' ',
                h(document, 'strong', {}, line.title),
              ),
              h(
                document,
                'div',
                { class: 'muted group-detail' },
                files(line.files),
                ' · ',
                h(document, 'span', { class: 'additions' }, `+${formatCount(line.additions)}`),
                ' ',
                h(document, 'span', { class: 'deletions' }, `−${formatCount(line.deletions)}`),
                ' · ',
                h(document, 'span', { class: 'group-reviewed' }, line.reviewed),
              ),
              line.surroundingsNote
                ? h(
                    document,
                    'div',
                    { class: 'group-surroundings-note' },
                    icon(document, 'warning'),
                    ' ',
                    line.surroundingsNote,
                  )
                : undefined,
              h(
                document,
                'div',
                { class: 'toolbar' },
                button('Open group', 'diff', `Show ${line.representative}'s diff with the group's repositories`, () =>
                  actions.openGroup(line.fingerprint),
                ),
                approve,
                reject,
                button(
                  'Follow up…',
                  'git-pull-request-go-to-changes',
                  `Start a follow-up round on the pull requests of ${members}`,
                  () => actions.followUpGroup(line),
                ),
              ),
            );
          }),
        )
      : undefined,
  );
}
