// Text of the landing page (/): Simplified Chinese first, English second.
export default {
  zh: {
    title: "远程调解", lead: "请选择您的身份", party: "我是当事人",
    party_hint: "输入调解员给您的 6 位邀请码和姓名，进入调解", staff: "我是工作人员",
    staff_hint: "调解员、受理员、管理员等登录调解工作台",
    link_note: "收到邀请链接的当事人，直接点开链接即可，无需在这里选择。",
  },
  en: {
    title: "Remote mediation", lead: "Who are you?", party: "I am a party",
    party_hint: "Enter the 6-digit code the mediator gave you and your name", staff: "I am staff",
    staff_hint: "Mediators, intake clerks, administrators: log in to the console",
    link_note: "Got an invitation link? Just open it; no need to choose here.",
  },
};
