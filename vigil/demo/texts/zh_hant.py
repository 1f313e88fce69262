# ruff: noqa: RUF001 - native CJK punctuation is intended
"""繁體中文 stories of the demo desk. See vigil.demo.texts."""

from vigil.demo.texts.story import Story
from vigil.tickets.choices import Category, Priority

STORIES = (
    Story(
        category=Category.DEPOSIT,
        subject="{coin}充值未到帳",
        opening=(
            "您好，我昨天從錢包轉了{amount} {coin}到交易所的充值地址（{network}網路），鏈上已經"
            "確認，但帳戶一直沒有顯示。\n交易哈希：{txid}\nUID：{uid}\n麻煩協助查詢，謝謝。"
        ),
        follow_up="請問查得如何？已經超過一天了。",
        reply=(
            "{name}您好，感謝您提供交易資訊。我們已在鏈上查到這筆轉帳，錢包團隊正在確認入帳"
            "延遲的原因，有進一步消息會立即通知您。\n\n{agent}"
        ),
        resolution=("{name}您好，您的{amount} {coin}已成功入帳，造成不便敬請見諒。\n\n{agent}"),
        note="錢包組重新掃塊後補入帳。交易 {short_tx}。",
        priority=Priority.HIGH,
        tags=("deposit-delay",),
    ),
    Story(
        category=Category.WITHDRAWAL,
        subject="提領被暫停24小時",
        opening=(
            "我今天早上修改了密碼，現在提領功能被暫停24小時，之前完全不知道有這個規定。"
            "可以幫我提前解除嗎？我急需用這筆錢。UID {uid}"
        ),
        reply=(
            "{name}您好，為保障帳戶安全，修改密碼或雙重驗證後會暫停提領24小時，這項限制無法"
            "提前解除，還請見諒。24小時後即可正常提領。\n\n{agent}"
        ),
        resolution="{name}您好，24小時限制已解除，您現在可以正常提領了。\n\n{agent}",
        note="改密碼後的標準安全鎖，未經安全組同意不得解除。",
        priority=Priority.LOW,
        tags=("security-lock",),
    ),
    Story(
        category=Category.ACCOUNT_ACCESS,
        subject="收不到簡訊驗證碼",
        opening=(
            "我在登入時一直收不到簡訊驗證碼，已經試了五次，手機號碼是台灣的+886門號。請問該怎麼辦？"
        ),
        reply=(
            "{name}您好，部分電信業者可能會延遲或攔截國際簡訊。建議您改用電子郵件驗證或綁定"
            "Google驗證器，我們也已將您的門號回報給簡訊服務商檢查。\n\n{agent}"
        ),
        resolution="{name}您好，很高興您已順利登入，此工單先行結案。\n\n{agent}",
        note="台灣某電信攔截國際簡訊，已切換備援簡訊通道。",
        priority=Priority.LOW,
        tags=("sms-delivery",),
    ),
    Story(
        category=Category.TRADING,
        subject="{pair}限價單沒有成交",
        opening=(
            "我掛了{pair}的限價買單，價格{mark_price}，K線明明已經跌破我的掛單價，但是訂單一直"
            "沒有成交。訂單編號{order_id}。"
        ),
        reply=(
            "{name}您好，限價單需要市場上有足夠的賣單在您的價格成交，K線上的最低價可能只是很小"
            "量的成交。我們會請交易團隊核對該時段的成交紀錄。\n\n{agent}"
        ),
        resolution=(
            "{name}您好，經交易團隊確認，該價位成交量很小，且排在您之前的訂單先成交，"
            "撮合系統運作正常。\n\n{agent}"
        ),
        note="訂單簿回放確認排隊順序，無異常。",
        priority=Priority.LOW,
        tags=("order-fill",),
    ),
    Story(
        category=Category.API,
        subject="WebSocket連線經常中斷",
        opening=(
            "我們的程式連線到WebSocket用戶資料串流，每隔3到5分鐘就斷線一次（代碼1006），"
            "我們每30秒都有送ping。請問是什麼原因？"
        ),
        reply=(
            "{name}您好，閘道會關閉在10秒內沒有回應伺服器ping的連線。請確認您的程式有回覆"
            "伺服器送出的ping（回傳pong），而不只是自己送ping。\n\n{agent}"
        ),
        resolution="{name}您好，很高興回覆伺服器ping後連線已穩定。\n\n{agent}",
        note="客戶端函式庫忽略伺服器ping，FAQ已有說明，已附上連結。",
        tags=("websocket",),
    ),
    Story(
        category=Category.KYC,
        subject="地址證明文件被拒",
        opening=(
            "我上傳了水電費帳單作為地址證明，但被拒絕了，說文件超過三個月。可是這是最新的一期"
            "帳單，開立日期是上個月。UID {uid}"
        ),
        reply=(
            "{name}您好，系統是以帳單上的「計費期間」判斷，您的帳單計費期間起始日已超過三個月。"
            "請改上傳近三個月內的銀行對帳單或電信帳單。\n\n{agent}"
        ),
        resolution="{name}您好，您的地址證明已審核通過。\n\n{agent}",
        note="供應商以計費期間起始日判斷，已回報規則需調整。",
        tags=("kyc-rejected",),
    ),
    Story(
        category=Category.SECURITY,
        subject="收到冒充客服的訊息",
        opening=(
            "有人在Telegram上自稱是你們的客服，要我提供助記詞來「驗證帳戶」，還給了一個很像"
            "官網的連結。這是詐騙嗎？我應該怎麼做？"
        ),
        reply=(
            "{name}您好，這是詐騙。我們的客服絕對不會向您索取助記詞、密碼或驗證碼。請不要點擊"
            "該連結，也請不要提供任何資訊。我們已將該帳號與網站回報處理。\n\n{agent}"
        ),
        resolution="{name}您好，該釣魚網站已被下架，感謝您的通報。\n\n{agent}",
        note="釣魚網域已回報註冊商與Telegram，並加入封鎖清單。",
        priority=Priority.HIGH,
        tags=("phishing",),
    ),
)
