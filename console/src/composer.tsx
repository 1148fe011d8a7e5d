import { useEffect, useRef, useState } from 'preact/hooks';
import { countSegments } from '../../src/messaging/segments';

/** What the agent is writing to one conversation. */
export interface Draft {
  text: string;
  /** Media to send as an MMS; none makes it an SMS. */
  mediaUrls: string[];
}

/** Why the server did not take a reply: its typed error, and the input field at fault where it names one. */
export interface SendRefusal {
  code: string | null;
  message: string;
  field: string | null;
}

export const EMPTY_DRAFT: Draft = { text: '', mediaUrls: [] };
const MAX_BODY = 1600;
const MAX_MEDIA = 10;

interface Props {
  draft: Draft;
  /** Hears every change, so the draft outlives a switch to another thread. */
  onDraft(draft: Draft): void;
  /** Null once the server stored the message. */
  onSend(draft: Draft): Promise<SendRefusal | null>;
}

/**
 * The reply box: text counted in segments and encoding with the server's own rules as the agent
 * types, and media URLs (shown as thumbnails) that make the reply an MMS. What the server refuses
 * is shown here, with the attachment it names marked, and the reply is kept to fix.
 */
export function Composer({ draft, onDraft, onSend }: Props) {
  const [text, setText] = useState(draft.text);
  const [media, setMedia] = useState(draft.mediaUrls);
  const [mediaOpen, setMediaOpen] = useState(draft.mediaUrls.length > 0);
  const [typedUrl, setTypedUrl] = useState('');
  const [urlProblem, setUrlProblem] = useState<string | null>(null);
  const [refusal, setRefusal] = useState<SendRefusal | null>(null);
  const [sending, setSending] = useState(false);
  const input = useRef<HTMLTextAreaElement>(null);
  useEffect(() => input.current?.focus(), []);
  useEffect(() => onDraft({ text, mediaUrls: media }), [text, media]);
  const tooLong = text.length > MAX_BODY;
  const ready = (text.trim() !== '' || media.length > 0 || typedUrl.trim() !== '') && !sending && !tooLong;
  const refused = refusal?.field ? /^mediaUrls\.(\d+)$/.exec(refusal.field) : null;

  /** The attachments with the URL typed in the media field added, or null (and why, shown) when it is not one. */
  function withTypedUrl(): string[] | null {
    const url = typedUrl.trim();
    if (!url) return media;
    const problem = mediaUrlProblem(url, media);
    setUrlProblem(problem);
    return problem ? null : [...media, url];
  }

  function attachments(next: string[]) {
    setMedia(next);
    setRefusal(null);
  }

  function attach() {
    const next = withTypedUrl();
    if (!next) return;
    attachments(next);
    setTypedUrl('');
  }

  async function send() {
    if (!ready) return;
    const mediaUrls = withTypedUrl();
    if (!mediaUrls || (!text.trim() && mediaUrls.length === 0)) return;
    setMedia(mediaUrls);
    setTypedUrl('');
    setSending(true);
    setRefusal(null);
    const answer = await onSend({ text, mediaUrls });
    setSending(false);
    if (answer) {
      setRefusal(answer);
    } else {
      setText('');
      setMedia([]);
      setMediaOpen(false);
    }
    input.current?.focus();
  }

  const count = countSegments(text);
  return (
    <form
      class="composer"
      noValidate
      onSubmit={(event) => {
        event.preventDefault();
        void send();
      }}
    >
      {media.length > 0 && (
        <ul class="attachments" data-testid="attachments">
          {media.map((url, index) => (
            <Attachment
              key={url}
              url={url}
              index={index}
              refused={refused !== null && Number(refused[1]) === index}
              onRemove={() => attachments(media.filter((_, i) => i !== index))}
            />
          ))}
        </ul>
      )}
      <textarea
        ref={input}
        rows={3}
        placeholder="Write a reply…  (Enter to send, Shift+Enter for a new line)"
        aria-label="Reply"
        value={text}
        onInput={(event) => setText(event.currentTarget.value)}
        onKeyDown={(event) => {
          if (event.key === 'Enter' && !event.shiftKey && !event.isComposing) {
            event.preventDefault();
            void send();
          }
        }}
      />
      {mediaOpen && (
        <div class="media-field">
          <input
            type="url"
            inputMode="url"
            aria-label="Media URL"
            placeholder="https://… a photo or file the customer can open"
            value={typedUrl}
            aria-invalid={urlProblem !== null}
            onInput={(event) => {
              setTypedUrl(event.currentTarget.value);
              setUrlProblem(null);
            }}
            onKeyDown={(event) => {
              if (event.key === 'Enter') {
                event.preventDefault();
                attach();
              }
            }}
          />
          <button type="button" class="secondary" disabled={!typedUrl.trim()} onClick={attach}>
            Attach
          </button>
        </div>
      )}
      {urlProblem && (
        <p class="form-error" role="alert" data-testid="media-url-error">
          {urlProblem}
        </p>
      )}
      {refusal && (
        <p class="form-error send-error" role="alert" data-testid="send-error" data-code={refusal.code ?? undefined}>
          Not sent: {refusal.message}
          {refusal.code && <code>{refusal.code}</code>}
        </p>
      )}
      <div class="composer-foot">
        <span class={`counter${tooLong ? ' over' : ''}`} data-testid="segment-counter">
          {media.length > 0 ? (
            <>
              MMS · {media.length} attachment{media.length === 1 ? '' : 's'} · {text.length} chars
            </>
          ) : (
            <>
              {count.segments} segment{count.segments === 1 ? '' : 's'} · {count.encoding === 'GSM7' ? 'GSM-7' : 'UCS-2'} · {text.length} chars
              {count.encoding === 'UCS2' && text.length > 0 && <span class="hint"> (a character outside GSM-7 makes the message UCS-2)</span>}
            </>
          )}
        </span>
        <span class="composer-actions">
          <button type="button" class="ghost" aria-expanded={mediaOpen} onClick={() => setMediaOpen(!mediaOpen)}>
            {mediaOpen ? 'Hide media' : 'Add media'}
          </button>
          <button class="primary" type="submit" disabled={!ready}>
            {sending ? 'Sending…' : 'Send'}
          </button>
        </span>
      </div>
    </form>
  );
}

function Attachment({ url, index, refused, onRemove }: { url: string; index: number; refused: boolean; onRemove(): void }) {
  const [broken, setBroken] = useState(false);
  return (
    <li class={`attachment${refused ? ' refused' : ''}`} title={url} aria-invalid={refused}>
      {broken ? <span class="no-preview">{url.split('/').pop() || url}</span> : <img src={url} alt={`Attachment ${index + 1}`} onError={() => setBroken(true)} />}
      <button type="button" class="remove" aria-label={`Remove attachment ${index + 1}`} onClick={onRemove}>
        ×
      </button>
    </li>
  );
}

/**
 * Why a typed media URL cannot be attached, or null. The form is checked here (an absolute
 * http(s) URL); what a provider accepts (https only, how many per message) is the server's to
 * say, and its refusal shows beside the reply.
 */
export function mediaUrlProblem(url: string, attached: readonly string[]): string | null {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return 'Enter the full address of the media, starting with https://';
  }
  if ((parsed.protocol !== 'https:' && parsed.protocol !== 'http:') || !parsed.hostname) return 'Only http(s) addresses can be attached';
  if (attached.includes(url)) return 'Already attached';
  if (attached.length >= MAX_MEDIA) return `At most ${MAX_MEDIA} attachments per message`;
  return null;
}
