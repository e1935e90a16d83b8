"""The first published version of the terms (用户协议) and the privacy policy (隐私政策).
Later versions are published by site admins in the admin site; a version is never
edited in place once people agreed to it."""

from django.db import migrations

TERMS = """欢迎使用易班学习网（以下简称“本站”）。本站由学校运营，面向高校与职业院校的学生和教师，提供动态、群组、学习资源、积分、课堂签到、私信和开放平台等服务。注册或使用本站，即表示你已阅读并同意本协议和《隐私政策》。

一、账号
1. 你可以用用户名和密码注册，也可以通过所在学校的统一身份认证登录。请妥善保管密码，不要把账号借给他人使用。
2. 学校认证（学号/工号）由学校根据其名单或你的申请完成。冒用他人身份、伪造认证信息的，本站可以停用相关账号。
3. 你可以随时在“设置 → 隐私”中导出你的数据，或申请注销账号。注销有 15 天冷静期，期间登录即可撤销。

二、你发布的内容
1. 你对自己发布的动态、评论、资源、评价和私信负责。内容须遵守法律法规和学校的规章制度，不得含有违法信息、侵犯他人权利（含著作权、肖像权、隐私）的内容、广告骚扰或人身攻击。
2. 你保留自己内容的权利，并许可本站为提供服务（展示、检索、推送给你选择的可见范围内的人）而使用这些内容。
3. 被多人举报或违反本协议的内容，可能被隐藏或删除；你可以对处理结果提出申诉。

三、开放平台和第三方应用
1. 你授权给应用的权限，会在授权页面逐项列出。应用只能在你授权的范围内读取或操作你的数据。
2. 向应用提供你的实名和学号/工号需要你单独同意，你可以随时在“设置 → 隐私 → 同意记录”中撤回，撤回后应用立即不能再读取。
3. 学校安装的学校应用（如教务系统）代表学校处理本校名册，依据的是学校的职责，不以你的同意为前提。

四、服务的变更与终止
本站可能调整功能。本协议或《隐私政策》有重要变更时，我们会在你下次访问时展示变更内容并请你重新同意；你不同意的，可以导出数据并注销账号。

五、其他
本协议适用中华人民共和国法律。对本协议或本站服务有疑问，请联系学校的个人信息保护负责人（联系方式见《隐私政策》第八条）。"""

PRIVACY = """本政策说明易班学习网（以下简称“本站”）收集哪些个人信息、为什么收集、保存多久，以及你怎样在本站行使自己的权利。本站依照《中华人民共和国个人信息保护法》《网络数据安全管理条例》和《未成年人网络保护条例》处理个人信息。

一、我们收集的信息和用途
1. 账号信息：用户名、昵称、密码（只保存不可逆的摘要）、所在学校、身份（学生/教师）、邮箱（选填）。用于登录、找回密码和展示你的主页。
2. 学校认证信息：实名和学号/工号，来自学校名册、统一身份认证或你的认证申请。用于证明你是本校成员、加入班级群和课堂签到。
3. 你发布和上传的内容：动态、评论、图片、学习资源及其版本、评分和评价、私信、实训和成长记录。用于按你选择的可见范围展示给他人。
4. 使用记录：积分流水、签到记录、群组成员关系、登录记录（时间、IP 地址所在网段、设备类型）。用于积分和排行榜、考勤、账号安全和向你展示访问记录。
5. 位置信息（敏感个人信息）：只在你参加要求定位的课堂签到时使用，并且需要你单独同意。位置只用来判断你是否在签到范围内；开启未成年人模式的同学，只保留签到结果，不保存坐标。

二、敏感个人信息和未成年人
位置、实名和学号属于需要特别保护的信息。位置只在签到时、经你单独同意后使用；向第三方应用提供实名和学号需要你对每个应用单独同意。学校将学生标记为未成年人，或根据出生日期判断未满十八周岁的，本站自动开启未成年人模式：不接收陌生人私信、不公开个人主页、不保存签到坐标，并在夜间免打扰时段不推送通知。未满十四周岁的，应由监护人同意后使用。

三、共享和委托处理
1. 我们不出售你的个人信息。
2. 你授权的第三方应用，只能在你授权的权限范围内读取你的数据；读取你的实名或学号的每一次访问，都会记录在你的访问记录中。
3. 你所在学校的管理员可以查看本校成员的认证信息，以便管理班级和名册；学校安装的学校应用代表学校处理本校名册。
4. 法律法规要求时，我们依法向有关机关提供。

四、保存期限
1. 账号存续期间保存你的账号信息和你发布的内容。
2. 安全日志和访问记录保存 180 天（《网络安全法》要求不少于六个月），到期自动删除。
3. 注销账号后，15 天冷静期结束时删除你的资料、实名、学号、头像和联系方式；你发布的内容按你的选择删除或显示为“已注销用户”；学校的审计日志只保留“有账号被注销”这一事实，不保留是谁。
4. 数据导出文件在生成后短时间内有效，到期删除。

五、你的权利和行使方式
1. 查阅和复制：在“设置 → 隐私 → 下载我的数据”中申请导出，得到包含你全部数据的压缩包。
2. 更正：在“设置 → 个人资料”中修改；学校认证信息有误的，请联系学校管理员更正。
3. 删除和注销：在“设置 → 隐私”中申请注销账号。
4. 撤回同意：在“设置 → 隐私 → 同意记录”中撤回签到位置授权和对各个应用的实名授权，撤回立即生效，但不影响撤回前已经进行的处理。
5. 查看访问记录：在“设置 → 隐私 → 访问记录”中查看应用和学校管理员读取你实名或学号的记录，以及你的登录记录。
6. 未成年人模式：在“设置 → 隐私”中查看你是否处于未成年人模式；有疑问请联系学校管理员。

六、安全措施
我们使用加密传输（HTTPS）、密码摘要、访问权限控制、管理员两步验证和安全日志保护你的信息。发生个人信息安全事件时，我们会按规定通知你并向主管部门报告。

七、政策的更新
本政策更新时，我们会发布新版本并保留历史版本，可在本页面查看每一版及其变更。重要变更会在你下次访问时请你重新同意。

八、联系我们
本站的个人信息处理者是你所在的学校。个人信息保护负责人：学校信息化建设与管理办公室，电子邮箱 privacy@yiban.edu.cn（工作日 9:00–17:00 处理）。我们会在 15 个工作日内答复你的请求。"""


def publish(apps, schema_editor):
    PolicyVersion = apps.get_model("privacy", "PolicyVersion")
    for kind, title, body in (("terms", "易班学习网用户协议", TERMS),
                              ("privacy", "易班学习网隐私政策", PRIVACY)):
        PolicyVersion.objects.get_or_create(
            kind=kind, version="1.0",
            defaults={"title": title, "body": body, "changes": "首次发布。",
                      "requires_consent": True})


def consents_of_earlier_grants(apps, schema_editor):
    """Whoever granted an app `profile:verified` before consents were recorded did so on
    the authorization page that names it: their live tokens stand for that consent."""
    AccessToken = apps.get_model("oauth2_provider", "AccessToken")
    Consent = apps.get_model("privacy", "Consent")
    pairs = {(user_id, app_id) for user_id, app_id, scope in AccessToken.objects.filter(
        user__isnull=False, application__isnull=False, scope__contains="profile:verified",
    ).values_list("user_id", "application_id", "scope") if "profile:verified" in scope.split()}
    Consent.objects.bulk_create(
        Consent(user_id=user_id, application_id=app_id, purpose="app_real_name")
        for user_id, app_id in sorted(pairs))


def unpublish(apps, schema_editor):
    PolicyVersion = apps.get_model("privacy", "PolicyVersion")
    PolicyVersion.objects.filter(version="1.0", kind__in=["terms", "privacy"]).delete()


class Migration(migrations.Migration):

    dependencies = [
        ("privacy", "0001_initial"),
        ("oauth2_provider", "0022_refreshtoken_token_family_index"),
    ]

    operations = [
        migrations.RunPython(publish, unpublish),
        migrations.RunPython(consents_of_earlier_grants, migrations.RunPython.noop),
    ]
