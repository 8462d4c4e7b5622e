// The message protocol between the extension and its webviews (messages.ts), and each view's panel
// state and spec, a file per view. Import from here (`common/webviewProtocol`).

// The form's draft is the Create Job view's to send; its home is common/createJobDraft.ts.
export { CreateJobDraft, FieldErrors } from '../createJobDraft';
export * from './compose';
export * from './createJob';
export * from './diff';
export * from './messages';
export * from './overview';
export * from './thread';
export * from './views';
