# ruff: noqa: RUF001 - native CJK punctuation is intended
"""日本語 stories of the demo desk. See vigil.demo.texts."""

from vigil.demo.texts.story import Story
from vigil.tickets.choices import Category, Priority

STORIES = (
    Story(
        category=Category.DEPOSIT,
        subject="{coin}の入金が反映されません",
        opening=(
            "お世話になっております。\n{hours}時間ほど前に{network}ネットワークで{amount} {coin}"
            "を入金しましたが、まだ現物口座に反映されていません。ブロックエクスプローラーでは"
            "承認済みになっています。\nトランザクションID：{txid}\nUID：{uid}\n"
            "ご確認のほどよろしくお願いいたします。"
        ),
        follow_up="その後いかがでしょうか。かなり時間が経っているので心配しています。",
        reply=(
            "{name}様\n\nお問い合わせいただきありがとうございます。ご提供いただいたトランザク"
            "ションをチェーン上で確認いたしました。現在、入金反映が遅れている原因をウォレット"
            "担当チームが調査しております。反映され次第、こちらでご連絡いたします。\n\n{agent}"
        ),
        resolution=(
            "{name}様\n\nお待たせいたしました。{amount} {coin}の入金が現物口座に反映されました。"
            "{network}ノードの同期遅延が原因でございました。ご迷惑をおかけし、誠に申し訳"
            "ございません。\n\n{agent}"
        ),
        note="{network}ノードの遅延をウォレットチームが確認。再スキャンで反映済み。Tx {short_tx}",
        priority=Priority.HIGH,
        tags=("deposit-delay",),
    ),
    Story(
        category=Category.DEPOSIT,
        subject="間違ったネットワークで送金してしまいました",
        opening=(
            "ERC20の入金アドレスに、誤ってBEP20（BNBスマートチェーン）で{amount} USDTを送金して"
            "しまいました。\nTxID：{txid}\n取り戻すことは可能でしょうか。UID：{uid}"
        ),
        reply=(
            "{name}様\n\nBSCとイーサリアムは同じアドレス形式のため、資産は当社管理下のアドレスに"
            "届いており、多くの場合は復旧が可能です。ウォレットチームによる手動対応となり、"
            "復旧手数料として50 USDTを差し引かせていただきます。ご了承いただける場合は、"
            "ご返信をお願いいたします。\n\n{agent}"
        ),
        resolution=(
            "{name}様\n\n誤送金された資産の復旧が完了し、手数料を差し引いた金額を現物口座に"
            "反映いたしました。今後は送受信で同じネットワークをご選択ください。\n\n{agent}"
        ),
        note="BEP20→ERC20アドレスの復旧申請をウォレット運用に起票。手数料説明済み。Tier3承認待ち。",
        priority=Priority.HIGH,
        tags=("wrong-network", "recovery"),
        coin="USDT",
    ),
    Story(
        category=Category.WITHDRAWAL,
        subject="出金が「処理中」のままです",
        opening=(
            "{amount} {coin}（{network}）の出金を申請しましたが、{hours}時間経っても「処理中」の"
            "ままです。\n出金ID：{order_id}\n本日中に必要な資金のため、至急ご確認いただけますか。"
        ),
        follow_up="まだ処理中のままです。いつ頃完了しますか。",
        reply=(
            "{name}様\n\nお待たせしており申し訳ございません。新しいアドレスへの高額出金のため、"
            "現在リスク管理チームによる確認を行っております。優先的に対応するよう依頼いたし"
            "ましたので、完了次第ご連絡いたします。\n\n{agent}"
        ),
        resolution=(
            "{name}様\n\n出金が承認され、ブロックチェーンに送信されました。\nトランザクションID："
            "{txid}\n受取側ウォレットでのご確認をお願いいたします。\n\n{agent}"
        ),
        note="新規アドレス宛の高額出金。リスクチームが端末履歴を確認し承認。",
        priority=Priority.HIGH,
        tags=("withdrawal-delay", "risk-review"),
    ),
    Story(
        category=Category.WITHDRAWAL,
        subject="パスワード変更後に出金できません",
        opening=(
            "今朝パスワードを変更したところ、24時間出金できないと表示されました。急ぎで送金が"
            "必要なのですが、制限を解除していただけませんか。UID：{uid}"
        ),
        reply=(
            "{name}様\n\nお客様の資産を守るため、パスワードまたは二段階認証の変更後24時間は出金"
            "を制限しております。誠に恐れ入りますが、早期解除はいたしかねます。\n\n{agent}"
        ),
        resolution="{name}様\n\n24時間の制限が解除され、出金が可能になりました。\n\n{agent}",
        note="パスワード変更後の標準ロック。セキュリティチームの承認なしに解除しないこと。",
        priority=Priority.LOW,
        tags=("security-lock",),
    ),
    Story(
        category=Category.ACCOUNT_ACCESS,
        subject="二段階認証のスマホを紛失しました",
        opening=(
            "機種変更の際にGoogle Authenticatorの引き継ぎを忘れてしまい、ログインできなくなり"
            "ました。パスワードと登録メールアドレスは分かります。二段階認証のリセット方法を"
            "教えてください。UID：{uid}"
        ),
        follow_up="リセット申請の顔認証が何度やっても失敗します。どうすればよいでしょうか。",
        reply=(
            "{name}様\n\nログイン画面の「セキュリティ認証が利用できない場合」から、本人確認書類"
            "と顔認証によるリセット申請が可能です。通常24時間以内に審査いたします。\n\n{agent}"
        ),
        resolution=(
            "{name}様\n\n二段階認証のリセット申請が承認されました。安全のため、リセット後24時間"
            "は出金が制限されます。新しい認証アプリの設定をお願いいたします。\n\n{agent}"
        ),
        note="リセット申請{order_id}：顔写真がKYC画像と一致、通常の国からのログイン。承認。",
        priority=Priority.HIGH,
        tags=("2fa-reset",),
    ),
    Story(
        category=Category.TRADING,
        subject="ロスカットの価格がおかしいです",
        opening=(
            "{pair}のパーペチュアルで{leverage}倍の{side}ポジションが、UTC {time}にロスカット"
            "されました。アプリ上の清算価格は{liq_price}でしたが、チャートではその価格に達して"
            "いません。{loss} USDTの損失です。調査と補償をお願いします。"
        ),
        follow_up="チャートのスクリーンショットもあります。早急に回答をお願いします。",
        reply=(
            "{name}様\n\nご不便をおかけしております。ロスカットは最終取引価格ではなく、マーク"
            "価格に基づいて執行されます。デリバティブ担当チームに当該時刻のマーク価格とポジ"
            "ション履歴の確認を依頼いたしました。\n\n{agent}"
        ),
        resolution=(
            "{name}様\n\n調査の結果、UTC {time}にインデックス価格が急変し、マーク価格が{liq_price}"
            "に達していたことを確認いたしました。ロスカットは正しく執行されたため、補償の対象外"
            "となります。何卒ご理解賜りますようお願い申し上げます。\n\n{agent}"
        ),
        note="デリバティブ確認：インデックス急騰でマーク価格が約2秒清算価格に到達。清算は正当。"
        "お客様はご立腹のため丁寧に対応。VIPなら手数料クーポン可。",
        priority=Priority.HIGH,
        tags=("liquidation", "complaint"),
    ),
    Story(
        category=Category.API,
        subject="APIで429エラーが頻発します",
        opening=(
            "自動売買ボットで注文APIを使用していますが、今朝から429 Too Many Requestsが頻発して"
            "います。秒間8リクエスト程度で、ドキュメントの上限を下回っているはずです。"
            "UID：{uid}"
        ),
        reply=(
            "{name}様\n\n注文APIのレート制限は、UIDとIPアドレスごとに全APIキー合算で計算されま"
            "す。429が発生した正確な時刻（UTC）と、接続元IPアドレスをお知らせいただけますで"
            "しょうか。\n\n{agent}"
        ),
        resolution=(
            "{name}様\n\n昨日の設定変更により、お客様の注文レート上限の個別設定がリセットされて"
            "おりました。復旧いたしましたので、ご確認ください。\n\n{agent}"
        ),
        note="MMプログラム対象。ゲートウェイのデプロイで個別上限が消えていた。運用が復旧済み。",
        priority=Priority.HIGH,
        tags=("rate-limit",),
    ),
    Story(
        category=Category.KYC,
        subject="本人確認が承認されません",
        opening=(
            "マイナンバーカードで本人確認を3回申請しましたが、「書類が不鮮明」という理由で否認"
            "されました。明るい場所で撮影しています。何が問題なのでしょうか。UID：{uid}"
        ),
        reply=(
            "{name}様\n\nカードの四隅がすべて写っていること、光の反射がないことをご確認くださ"
            "い。また、スクリーンショットやコピーではなく、原本を撮影した画像をアップロード"
            "してください。\n\n{agent}"
        ),
        resolution="{name}様\n\n本人確認が承認されました。ご協力ありがとうございました。\n\n{agent}",
        note="前回の画像はホログラム部分が反射。ベンダーに再審査を依頼。",
        tags=("kyc-rejected",),
    ),
    Story(
        category=Category.SECURITY,
        subject="身に覚えのないログイン通知が届きました",
        opening=(
            "先ほど{city}（IP：{ip}）からのログイン通知メールが届きましたが、私ではありません。"
            "パスワードは変更しました。至急アカウントを凍結してください。資産が出金されていない"
            "か確認をお願いします。UID：{uid}"
        ),
        reply=(
            "{name}様\n\n安全のため、アカウントを一時的に凍結し、すべてのセッションを終了いたし"
            "ました。該当ログイン以降の出金はございませんのでご安心ください。メールアカウントの"
            "パスワードも併せて変更をお願いいたします。\n\n{agent}"
        ),
        resolution=(
            "{name}様\n\n本人確認が完了し、アカウントの凍結を解除いたしました。APIキーと出金"
            "ホワイトリストはすべて削除しております。\n\n{agent}"
        ),
        note="{ip}のセッションを強制終了、凍結済み、APIキー削除。メール侵害の有無をセキュリティが確認。",
        priority=Priority.URGENT,
        tags=("account-takeover",),
    ),
)
