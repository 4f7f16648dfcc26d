// Shown when /api/me says 401: a token (kiosk) or username/password → POST /api/login, then reload.
import { api } from '../state/api.ts';
import { h } from '../ui/dom.ts';
import { t } from '../i18n/index.ts';

export function mountLogin(root: HTMLElement): void {
  const token = h('input', { name: 'token', type: 'password', autocomplete: 'off', placeholder: t('token') });
  const user = h('input', { name: 'username', autocomplete: 'username', placeholder: t('username') });
  const pass = h('input', { name: 'password', type: 'password', autocomplete: 'current-password', placeholder: t('password') });
  const msg = h('p.error', { role: 'alert' });
  const form = h(
    'form.login',
    {
      onsubmit: async (e: Event) => {
        e.preventDefault();
        msg.textContent = '';
        const body = token.value ? { token: token.value } : { username: user.value, password: pass.value };
        try {
          await api('/api/login', { method: 'POST', json: body });
          location.reload();
        } catch (err) {
          msg.textContent = `${t('loginFailed')}: ${(err as Error).message}`;
        }
      },
    },
    h('h1', null, t('loginTitle')),
    token,
    h('div.or', null, '—'),
    user,
    pass,
    h('button', { type: 'submit' }, t('login')),
    msg,
  );
  root.append(h('div.login-wrap', null, form));
}
