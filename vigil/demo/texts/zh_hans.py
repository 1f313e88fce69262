# ruff: noqa: RUF001 - native CJK punctuation is intended
"""简体中文 stories of the demo desk. See vigil.demo.texts."""

from vigil.demo.texts.story import Story
from vigil.tickets.choices import Category, Priority

STORIES = (
    Story(
        category=Category.DEPOSIT,
        subject="{coin}充值未到账",
        opening=(
            "你好，我{hours}小时前通过{network}网络充值了{amount} {coin}，区块浏览器上已经显示"
            "确认成功，但是现货账户里一直没有到账。\n交易哈希：{txid}\nUID：{uid}\n"
            "麻烦帮忙查一下，谢谢。"
        ),
        follow_up="请问有进展吗？已经等了很久了，确认数早就够了。",
        reply=(
            "{name}您好，感谢您提供交易哈希。我们已经在链上查到这笔转账，钱包团队正在核查入账"
            "延迟的原因。一旦到账，我们会第一时间在这里通知您。\n\n{agent}"
        ),
        resolution=(
            "{name}您好，您的{amount} {coin}已经成功入账到现货账户。此前由于{network}节点同步"
            "延迟导致入账较慢，给您带来不便，非常抱歉。\n\n{agent}"
        ),
        note="钱包组确认{network}节点落后约40分钟，已重新扫块，充值已补入。交易 {short_tx}。",
        priority=Priority.HIGH,
        tags=("deposit-delay",),
    ),
    Story(
        category=Category.DEPOSIT,
        subject="充值XRP忘记填写标签（MEMO）",
        opening=(
            "我充值了{amount} XRP，但是忘了填写标签（Tag），现在账户里没有显示。"
            "交易哈希：{txid}，UID：{uid}。请问还能找回吗？"
        ),
        reply=(
            "{name}您好，未填写标签的充值可以人工找回。请提供转出平台的提币记录截图，"
            "需包含金额、时间和交易哈希，我们核实后为您处理。\n\n{agent}"
        ),
        resolution="{name}您好，已为您找回并入账{amount} XRP，请查收。\n\n{agent}",
        note="缺少MEMO，按金额和哈希在未分配列表中匹配成功，已入账。",
        tags=("missing-memo",),
        coin="XRP",
    ),
    Story(
        category=Category.WITHDRAWAL,
        subject="提现一直显示“处理中”",
        opening=(
            "我在{hours}小时前提交了{amount} {coin}的提现（{network}），地址{address}，"
            "到现在还是“处理中”。提现单号{order_id}。这笔钱今天要用，请尽快处理！"
        ),
        follow_up="怎么还没有处理？在线客服一直让我等，到底是什么情况？",
        reply=(
            "{name}您好，非常抱歉让您久等。您的提现目前在风控人工审核队列中，首次向新地址的"
            "大额提现需要额外审核。我已经为您加急处理，审核通过后会立即通知您。\n\n{agent}"
        ),
        resolution=(
            "{name}您好，您的提现已审核通过并广播上链，交易哈希：\n{txid}\n"
            "请在接收钱包查看到账情况。\n\n{agent}"
        ),
        note="首次提现到该地址且金额超过1万U，风控已电话核实本人，放行。",
        priority=Priority.HIGH,
        tags=("withdrawal-delay", "risk-review"),
    ),
    Story(
        category=Category.WITHDRAWAL,
        subject="提币显示已完成但钱包没收到",
        opening=(
            "App里显示我的{coin}提币已经完成了，TXID是{txid}，但是我的钱包里什么都没有。"
            "地址是{address}。钱去哪了？"
        ),
        reply=(
            "{name}您好，这笔交易已在链上确认，资产已到达您提供的地址。如果钱包没有显示，"
            "请确认钱包选择的是{network}网络；如果是代币，需要在钱包中手动添加代币合约。"
            "\n\n{agent}"
        ),
        resolution="{name}您好，很高兴添加代币后余额已正常显示，本工单先为您关闭。\n\n{agent}",
        note="链上正常，客户钱包未添加代币。无需我方处理。",
        tags=("wallet-display",),
    ),
    Story(
        category=Category.ACCOUNT_ACCESS,
        subject="谷歌验证器丢失，无法登录",
        opening=(
            "我的手机丢了，谷歌验证器也没有备份，现在登录不了账户。我还能收到注册邮箱的邮件，"
            "请问怎么重置二次验证？UID {uid}"
        ),
        follow_up="我按照流程提交了，但是人脸识别一直失败，怎么办？",
        reply=(
            "{name}您好，您可以在登录页面点击“安全验证不可用”，按提示上传身份证件并完成人脸"
            "识别，我们会在24小时内完成审核。\n\n{agent}"
        ),
        resolution=(
            "{name}您好，您的谷歌验证器重置申请已通过。为了账户安全，重置后24小时内将暂停提现，"
            "请尽快绑定新的验证器。\n\n{agent}"
        ),
        note="重置申请{order_id}：人脸与KYC照片一致，登录地常用。已批准。",
        priority=Priority.HIGH,
        tags=("2fa-reset",),
    ),
    Story(
        category=Category.ACCOUNT_ACCESS,
        subject="账户被冻结，提示联系客服",
        opening=(
            "登录时提示“账户已冻结，请联系客服”，我只是输错了几次密码。UID {uid}。"
            "我还有合约持仓，请尽快帮我解冻！"
        ),
        reply=(
            "{name}您好，系统检测到来自{city}的多次失败登录，已自动冻结账户。请确认这些登录是否"
            "为您本人操作，确认后我们会为您解冻并建议立即修改密码。\n\n{agent}"
        ),
        resolution="{name}您好，账户已解冻，请尽快修改密码并开启谷歌验证。\n\n{agent}",
        note="失败登录来自{ip}，疑似撞库。已通过已验证渠道与客户确认。",
        priority=Priority.URGENT,
        tags=("account-frozen",),
    ),
    Story(
        category=Category.TRADING,
        subject="合约被强平，要求赔偿",
        opening=(
            "我的{pair}永续合约{leverage}倍{side}仓位在UTC {time}被强平了，页面显示的强平价是"
            "{liq_price}，可是K线根本没有到这个价格！我亏了{loss} USDT，要求你们给个说法并赔偿。"
        ),
        follow_up="我有K线截图。到现在都没人回复，太过分了！",
        reply=(
            "{name}您好，理解您的心情。强平是根据标记价格触发的，而不是K线上显示的最新成交价。"
            "我已经请合约团队调取强平时刻的标记价格和仓位记录，核实后会尽快回复您。\n\n{agent}"
        ),
        resolution=(
            "{name}您好，经合约团队核查，UTC {time}指数价格剧烈波动，标记价格确实触及了"
            "{liq_price}。本次强平执行正确，因此无法提供赔偿，感谢您的理解。\n\n{agent}"
        ),
        note="合约组确认：指数价格瞬间插针，标记价格触及强平价约2秒，强平正常。客户情绪激动，"
        "注意沟通；如是VIP可申请手续费抵扣券。",
        priority=Priority.HIGH,
        tags=("liquidation", "complaint"),
    ),
    Story(
        category=Category.TRADING,
        subject="资金费率重复扣除",
        opening=(
            "我的{pair}永续合约在UTC 08:00被扣了两次资金费，资金流水里有两条-{loss} USDT。"
            "请退还多扣的部分。"
        ),
        reply=("{name}您好，我已看到这两条记录，已提交合约团队与资金费结算日志核对。\n\n{agent}"),
        resolution=(
            "{name}您好，经核实第二条为显示重复，实际只扣除了一次资金费，账户余额无误。"
            "流水显示问题将在下个版本修复。\n\n{agent}"
        ),
        note="资金流水重复显示的已知问题，余额正确。",
        tags=("funding",),
    ),
    Story(
        category=Category.API,
        subject="API下单频繁返回429",
        opening=(
            "我们的量化程序从今天早上开始调用下单接口一直返回429 Too Many Requests，但我们"
            "每秒只发8个请求左右，远低于文档里的限制。UID {uid}，API Key备注：quant-01。"
        ),
        follow_up="还是一直429，响应头里 Retry-After: 12。",
        reply=(
            "{name}您好，下单接口的频率限制是按UID和IP统计的，所有API Key共用额度。麻烦提供"
            "出现429的具体时间（UTC）以及程序使用的出口IP，我们帮您核查。\n\n{agent}"
        ),
        resolution=(
            "{name}您好，昨日网关配置变更导致您的下单频率白名单被重置，现已恢复（每10秒50单）。"
            "给您带来不便，非常抱歉。\n\n{agent}"
        ),
        note="做市商二档，昨天网关发布清掉了白名单，运维已从备份恢复。其他做市商账户也要检查！",
        priority=Priority.HIGH,
        tags=("rate-limit", "market-maker"),
    ),
    Story(
        category=Category.KYC,
        subject="身份认证一直被拒绝",
        opening=(
            "我的身份认证被拒绝了三次，理由都是“证件照片不清晰”，可是我拍得很清楚。"
            "到底哪里有问题？UID {uid}"
        ),
        reply=(
            "{name}您好，请确认证件四个角完整可见、没有反光，并且上传的是原件照片而不是截图"
            "或复印件。如果是护照，请确保底部的机读码区域清晰可见。\n\n{agent}"
        ),
        resolution="{name}您好，您的身份认证已通过，额度已提升。\n\n{agent}",
        note="之前上传的照片裁掉了机读码，已请供应商重新审核。",
        tags=("kyc-rejected",),
    ),
    Story(
        category=Category.SECURITY,
        subject="有陌生设备登录我的账户",
        opening=(
            "我刚收到邮件提醒，有人从{city}（IP {ip}）登录了我的账户，不是我本人操作！"
            "我已经改了密码，请马上冻结我的账户，看看有没有资产被转走！UID {uid}"
        ),
        reply=(
            "{name}您好，我们已经为您临时冻结账户并注销了所有登录会话，该登录之后没有任何提现"
            "操作。建议您同时修改邮箱密码，攻击者可能也掌握了您的邮箱。\n\n{agent}"
        ),
        resolution=(
            "{name}您好，身份核验完成，账户已解冻。我们已删除全部API Key和提现白名单地址，"
            "请开启谷歌验证。\n\n{agent}"
        ),
        note="已踢掉{ip}的会话并冻结账户，API Key已全部删除。安全组跟进邮箱是否被盗。",
        priority=Priority.URGENT,
        tags=("account-takeover",),
    ),
)
