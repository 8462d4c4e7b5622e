import { describeOutsideLink, type OutsideLink } from '../common/outsideLinks';

// The question the extension asks before applying a patch that makes links out of the repository:
// a modal warning that names every link and its target, answered only by an explicit button. No
// vscode here, so the wording and the decision are tested; applyFlow.ts passes the real dialog.

export const APPLY_ANYWAY = 'Apply Anyway';
const SHOWN = 10;

/** Shows a modal warning with one button besides Cancel; the label chosen, or undefined when dismissed. */
export type ModalWarning = (message: string, detail: string, button: string) => PromiseLike<string | undefined>;

/** True only when the user pressed "Apply Anyway"; Cancel, Escape or closing the dialog keep the checkout as it is. */
export async function confirmOutsideLinks(
  folderName: string,
  links: readonly OutsideLink[],
  warn: ModalWarning,
): Promise<boolean> {
  const listed = links.slice(0, SHOWN).map(describeOutsideLink).join('\n');
  const more = links.length > SHOWN ? `\n… and ${links.length - SHOWN} more` : '';
  const choice = await warn(
    `The patch makes ${links.length === 1 ? 'a symbolic link' : `${links.length} symbolic links`} pointing outside ${folderName}. Apply it anyway?`,
    `${listed}${more}\n\nAnything that follows ` +
      `${links.length === 1 ? 'this link' : 'these links'} (a build, an editor, a later patch) ` +
      `reads or writes files outside the repository. Check the diff first; nothing is applied ` +
      `unless you choose ${APPLY_ANYWAY}.`,
    APPLY_ANYWAY,
  );
  return choice === APPLY_ANYWAY;
}
