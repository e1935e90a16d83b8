"""The test CAS server's people: login, password and the attributes it releases
(plain data: the tests read it too)."""

PASSWORD = "cas-pass-2026"
PEOPLE = {
    # 北方大学: the 学号 is the attribute studentNumber
    "lihua": {"studentNumber": "N2024001", "cn": "李华"},
    "wangfang": {"studentNumber": "N2024002", "cn": "王芳"},
    "zhaolei": {"studentNumber": "S2024003", "cn": "赵磊"},
    "impostor": {"studentNumber": "N2024001", "cn": "冒名者"},
    # 南方职业技术学院: the CAS user itself is the 工号
    "T9001": {"cn": "孙老师"},
}

