// Staff console strings: Simplified Chinese first, English second.
window.CONSOLE_I18N = {
  zh: {
    title: "调解工作台", login: "登录", username: "用户名", password: "密码", logout: "退出",
    cases: "本辖区案件", new_case: "登记新案件", organisation: "所属机构", type: "纠纷类型",
    case_title: "案件标题", severity: "等级", party_name: "当事人姓名", party_phone: "当事人电话",
    create: "登记", number: "案号", status: "状态", open: "打开", back: "返回列表",
    history: "流转记录", parties: "当事人", move_to: "转为", open_room: "开设调解室",
    invite: "邀请当事人", invite_name: "当事人姓名", join_as_mediator: "以调解员身份进入",
    link: "邀请链接", code: "邀请码", rooms: "调解室", empty: "暂无案件",
    green: "绿", yellow: "黄", orange: "橙", red: "红",
    received: "已接收", accepted: "已受理", assigned: "已指派", mediating: "调解中",
    agreed: "调解成功", failed: "调解失败", "follow-up": "回访", archived: "已归档",
    bad_credentials: "用户名或密码错误", assign: "指派调解员", mediator: "调解员", unassigned: "未指派", forbidden: "无权执行此操作", error: "操作失败",
  },
  en: {
    title: "Mediation console", login: "Log in", username: "Username", password: "Password",
    logout: "Log out", cases: "Cases of my organisation", new_case: "Register a case",
    organisation: "Organisation", type: "Dispute type", case_title: "Title", severity: "Severity",
    party_name: "Party name", party_phone: "Party phone", create: "Register", number: "Number",
    status: "Status", open: "Open", back: "Back to the list", history: "History",
    parties: "Parties", move_to: "Move to", open_room: "Open a room", invite: "Invite a party",
    invite_name: "Party name", join_as_mediator: "Join as mediator", link: "Invitation link",
    code: "Code", rooms: "Rooms", empty: "No cases", green: "Green", yellow: "Yellow",
    orange: "Orange", red: "Red", received: "Received", accepted: "Accepted",
    assigned: "Assigned", mediating: "Mediating", agreed: "Agreed", failed: "Failed",
    "follow-up": "Follow-up", archived: "Archived", assign: "Assign mediator", mediator: "Mediator",
    unassigned: "Unassigned", bad_credentials: "Wrong username or password",
    forbidden: "Not allowed", error: "Failed",
  },
};
window.ct = (key) => {
  const lang = /^en\b/i.test(navigator.language || "") ? "en" : "zh";
  return window.CONSOLE_I18N[lang][key] ?? window.CONSOLE_I18N.zh[key] ?? key;
};
