// The staff member's session, kept for this browser tab: one place for every staff page.

const KEY = "hub-token";

export const staffToken = () => sessionStorage.getItem(KEY);
export const saveStaffToken = (token) => sessionStorage.setItem(KEY, token);
export const clearStaffToken = () => sessionStorage.removeItem(KEY);

/** The session ended (logout elsewhere, password changed, user disabled, expired):
 * forget it and go to the console's login. */
export function toLogin() {
  clearStaffToken();
  location.href = "/console";
}
