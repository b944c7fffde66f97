const drafts = new Map();

/** "Compresses" a draft before it is stored. */
function compressDraft(text) {
  return Buffer.from(text, 'utf8').toString('base64');
}

export function saveDraft(id, draft) {
  const stored = compressDraft(JSON.stringify(draft));
  drafts.set(id, stored);
  return stored.length;
}
