"""English stories of the demo desk. See vigil.demo.texts."""

from vigil.demo.texts.story import Story
from vigil.tickets.choices import Category, Priority

STORIES = (
    Story(
        category=Category.DEPOSIT,
        subject="{coin} deposit not credited after {hours} hours",
        opening=(
            "Hi,\n\nI sent {amount} {coin} to my deposit address on the {network} network about "
            "{hours} hours ago and it still isn't showing in my spot wallet. The transaction is "
            "confirmed on the explorer:\n{txid}\n\nUID {uid}. Can you check please?\n\n{name}"
        ),
        follow_up="Any update? The explorer shows way more than the required confirmations now.",
        reply=(
            "Hi {name},\n\nThanks for the transaction hash. I can see the transfer on {network} "
            "and our wallet team is checking why it hasn't been credited yet. I'll update you "
            "here as soon as it is posted to your account.\n\n{agent}"
        ),
        resolution=(
            "Hi {name},\n\nThe {amount} {coin} deposit has now been credited to your spot "
            "wallet. The delay was caused by a backlog on our {network} node, which has been "
            "cleared. Sorry for the wait!\n\n{agent}"
        ),
        note=(
            "{network} node was ~40 min behind head. Wallet ops re-scanned the block range and "
            "the deposit was picked up. Tx {short_tx}."
        ),
        priority=Priority.HIGH,
        tags=("deposit-delay",),
    ),
    Story(
        category=Category.DEPOSIT,
        subject="Sent USDT on the wrong network, can it be recovered?",
        opening=(
            "Hello, I made a mistake and sent {amount} USDT over BNB Smart Chain (BEP20) to my "
            "ERC20 deposit address. Tx: {txid}\n\nIs there any way to get this back? It's most "
            "of my savings, please help. UID {uid}"
        ),
        follow_up="Please tell me the money is not lost. I can provide anything you need.",
        reply=(
            "Hi {name},\n\nDon't worry: because BSC and Ethereum use the same address format, "
            "the funds arrived at an address we control, so recovery is usually possible. It is "
            "a manual process handled by our wallet team and carries a recovery fee of 50 USDT, "
            "deducted from the recovered amount. Please reply to confirm you accept it and we "
            "will start.\n\n{agent}"
        ),
        resolution=(
            "Hi {name},\n\nYour BEP20 transfer has been recovered and credited to your spot "
            "wallet, less the 50 USDT recovery fee. For next time: always pick the same network "
            "on both sides of a transfer.\n\n{agent}"
        ),
        note="Recovery request filed with wallet ops (BEP20 -> ERC20 address). Fee disclosed. "
        "Needs tier 3 sign-off before ops touch the hot wallet key.",
        priority=Priority.HIGH,
        tags=("wrong-network", "recovery"),
        coin="USDT",
    ),
    Story(
        category=Category.DEPOSIT,
        subject="XRP deposit without destination tag",
        opening=(
            "I deposited {amount} XRP but forgot to include the destination tag. Tx hash "
            "{txid}. My UID is {uid}. The app shows nothing. What should I do?"
        ),
        reply=(
            "Hi {name},\n\nDeposits without a tag can be credited manually. Please send us a "
            "screenshot of the withdrawal record from the sending platform showing the amount, "
            "the time and the transaction hash.\n\n{agent}"
        ),
        resolution=(
            "Hi {name},\n\nThanks for the screenshot. We matched the transfer and credited "
            "{amount} XRP to your account.\n\n{agent}"
        ),
        note="Missing tag. Matched by amount + tx hash in the XRP unallocated list. Credited.",
        tags=("missing-memo",),
        coin="XRP",
    ),
    Story(
        category=Category.DEPOSIT,
        subject="Card charged but no crypto received (order {order_id})",
        opening=(
            "My card was charged 500 EUR for buying USDT on the Buy Crypto page, but nothing "
            "arrived in my account. Order number {order_id}. My bank shows the payment as "
            "completed."
        ),
        reply=(
            "Hi {name},\n\nI've checked order {order_id}: our payment partner is still waiting "
            "for the settlement confirmation from your bank. I've asked them to push it "
            "through and will let you know.\n\n{agent}"
        ),
        resolution=(
            "Hi {name},\n\nThe order has completed and the USDT is now in your funding wallet. "
            "Thanks for your patience.\n\n{agent}"
        ),
        note="Stuck in 3DS settlement at the card processor. Ticket opened with them.",
        tags=("fiat", "card"),
        coin="USDT",
    ),
    Story(
        category=Category.WITHDRAWAL,
        subject="{coin} withdrawal stuck in processing for {hours} hours",
        opening=(
            "My withdrawal of {amount} {coin} ({network}) to {address} has been 'Processing' "
            "for {hours} hours. Withdrawal ID {order_id}. I need these funds today for a "
            "payment, please speed it up."
        ),
        follow_up="It's been hours now. The live chat keeps telling me to wait. What is going on?",
        reply=(
            "Hi {name},\n\nSorry for the wait. Your withdrawal is in our manual review queue: "
            "larger withdrawals to a new address are checked by our risk team. I've escalated "
            "it and will tell you as soon as it's broadcast.\n\n{agent}"
        ),
        resolution=(
            "Hi {name},\n\nYour withdrawal has been approved and broadcast. Transaction hash:\n"
            "{txid}\nIt will show in the receiving wallet after the network "
            "confirmations.\n\n{agent}"
        ),
        note="Risk hold: first withdrawal to this address and above the 10k threshold. Risk "
        "approved after checking device history and login IPs.",
        priority=Priority.HIGH,
        tags=("withdrawal-delay", "risk-review"),
    ),
    Story(
        category=Category.WITHDRAWAL,
        subject="Withdrawal shows completed but not received",
        opening=(
            "The app says my {coin} withdrawal is completed, TXID {txid}, but my Ledger shows "
            "nothing. Address {address}. Where is my money??"
        ),
        reply=(
            "Hi {name},\n\nThe transaction is confirmed on-chain and the funds are at the "
            "address you gave. If your wallet doesn't show them, make sure it is looking at the "
            "{network} network, and for tokens add the token contract in Ledger Live.\n\n{agent}"
        ),
        resolution=(
            "Hi {name},\n\nGlad to hear the balance shows now that the token is added. I'll "
            "close this ticket; just reply if anything else comes up.\n\n{agent}"
        ),
        note="On-chain OK, customer's wallet did not show the token. No action on our side.",
        tags=("wallet-display",),
    ),
    Story(
        category=Category.WITHDRAWAL,
        subject="Why are my withdrawals suspended for 24 hours?",
        opening=(
            "I changed my password this morning and now withdrawals are disabled for 24 hours. "
            "Nobody told me about this. Can you lift it? I need to move funds to pay rent. UID "
            "{uid}"
        ),
        reply=(
            "Hi {name},\n\nFor your protection, withdrawals pause for 24 hours after a password "
            "or 2FA change, so that someone who takes over an account can't drain it right "
            "away. We can't lift the lock early, sorry. It ends automatically.\n\n{agent}"
        ),
        resolution=(
            "Hi {name},\n\nThe 24-hour lock has ended and withdrawals are available again on "
            "your account.\n\n{agent}"
        ),
        note="Standard security lock after password change. Do not override without Security.",
        priority=Priority.LOW,
        tags=("security-lock",),
    ),
    Story(
        category=Category.ACCOUNT_ACCESS,
        subject="Lost my phone, can't log in (2FA)",
        opening=(
            "I lost my phone with Google Authenticator on it and I can't log in anymore. I "
            "still have my password and access to my email. How do I reset 2FA? UID {uid}"
        ),
        follow_up="I tried the reset link but the selfie step keeps failing. Please help.",
        reply=(
            "Hi {name},\n\nOn the login page choose 'Security verification unavailable' and "
            "follow the steps; you'll be asked for a photo of your ID and a short selfie video. "
            "Our team reviews these within 24 hours.\n\n{agent}"
        ),
        resolution=(
            "Hi {name},\n\nYour 2FA reset has been approved. For security, withdrawals are "
            "disabled for 24 hours. Please set up a new authenticator right away.\n\n{agent}"
        ),
        note="Reset request {order_id}: selfie matched KYC photo, login from the usual country. "
        "Approved.",
        priority=Priority.HIGH,
        tags=("2fa-reset",),
    ),
    Story(
        category=Category.ACCOUNT_ACCESS,
        subject="Account frozen after too many login attempts",
        opening=(
            "My account says 'Account frozen, please contact support'. I only typed my "
            "password wrong a few times. UID {uid}. I have open positions, please unlock it "
            "ASAP!"
        ),
        reply=(
            "Hi {name},\n\nThe account was frozen automatically after repeated failed logins "
            "from {city}. Can you confirm whether that was you? Once confirmed we'll unfreeze it "
            "and ask you to change your password.\n\n{agent}"
        ),
        resolution=(
            "Hi {name},\n\nYour account is unfrozen. Please change your password and enable an "
            "authenticator app if you haven't already.\n\n{agent}"
        ),
        note="Failed logins came from {ip}, looks like a credential-stuffing list. Confirmed "
        "with the customer over a verified channel.",
        priority=Priority.URGENT,
        tags=("account-frozen",),
    ),
    Story(
        category=Category.ACCOUNT_ACCESS,
        subject="Not receiving the e-mail verification code",
        opening=(
            "I'm not getting the e-mail verification code when I try to log in. Checked spam "
            "and promotions, tried five times. My address is on Outlook."
        ),
        reply=(
            "Hi {name},\n\nSome Outlook accounts delay our codes by a few minutes. I've "
            "re-sent a code from our backup sender; please also add our domain to your safe "
            "senders list.\n\n{agent}"
        ),
        resolution="Hi {name},\n\nGreat, glad you're back in. Closing this one.\n\n{agent}",
        note="Outlook throttling our primary sender again; switched customer to the backup.",
        priority=Priority.LOW,
        tags=("email-delivery",),
    ),
    Story(
        category=Category.TRADING,
        subject="Liquidated although the price never reached my liquidation price",
        opening=(
            "My {pair} {side} position at {leverage}x was liquidated at {time} UTC. The "
            "liquidation price in the app was {liq_price} but the chart never went there on "
            "your exchange. I lost {loss} USDT. I want a full review and compensation."
        ),
        follow_up="I have screenshots of the chart. Nobody has answered me yet, this is not OK.",
        reply=(
            "Hi {name},\n\nI understand how frustrating a liquidation is. Liquidations are "
            "triggered by the mark price, not the last traded price on the chart. I've asked "
            "our derivatives team for the mark price and your position history around {time} "
            "UTC and will share their findings.\n\n{agent}"
        ),
        resolution=(
            "Hi {name},\n\nOur derivatives team reviewed the position. The mark price reached "
            "{liq_price} at {time} UTC during a short spike on the index exchanges, so the "
            "liquidation was executed correctly and we can't offer compensation. I'm sorry "
            "this isn't the answer you hoped for.\n\n{agent}"
        ),
        note="Derivs checked: mark touched the liq price for ~2 s during an index spike. "
        "Liquidation valid. Customer is upset, handle with care; fee voucher OK if VIP.",
        priority=Priority.HIGH,
        tags=("liquidation", "complaint"),
    ),
    Story(
        category=Category.TRADING,
        subject="Limit order on {pair} did not fill at my price",
        opening=(
            "I had a limit buy on {pair} at {mark_price}. The price went below it for a moment "
            "but my order never filled. Order ID {order_id}. Is your matching engine broken?"
        ),
        reply=(
            "Hi {name},\n\nA limit order fills only when there is enough volume at your price, "
            "and orders at the same price fill in time order. The wick you saw was a small "
            "trade. I've asked our trading team to confirm from the order book history.\n\n"
            "{agent}"
        ),
        resolution=(
            "Hi {name},\n\nThe trading team confirmed only 0.3% of the volume at that price "
            "traded before the price bounced, and earlier orders in the queue took it.\n\n"
            "{agent}"
        ),
        note="Order book replay confirms queue position. No fault.",
        priority=Priority.LOW,
        tags=("order-fill",),
    ),
    Story(
        category=Category.TRADING,
        subject="Funding fee charged twice on {pair}",
        opening=(
            "I was charged the funding fee twice at 08:00 UTC on my {pair} perpetual. "
            "Transaction history shows two entries of -{loss} USDT. Please refund the "
            "duplicate."
        ),
        reply=(
            "Hi {name},\n\nThank you, I see both entries and have sent them to our derivatives "
            "team to check against the funding settlement log.\n\n{agent}"
        ),
        resolution=(
            "Hi {name},\n\nThe second entry was a display duplicate: only one funding payment "
            "was taken from your balance. The history will be corrected in the next "
            "release.\n\n{agent}"
        ),
        note="Known display bug in the funding history (duplicate row). Balance correct.",
        tags=("funding",),
    ),
    Story(
        category=Category.API,
        subject="HTTP 429 Too Many Requests on the order endpoint",
        opening=(
            "Our market-making bot started receiving HTTP 429 on POST /api/v3/order this "
            "morning, although we send about 8 requests a second, well below the documented "
            "limit. API key label mm-prod-2, UID {uid}. This is costing us money."
        ),
        follow_up="Still getting 429s. Sample response header: Retry-After: 12.",
        reply=(
            "Hi {name},\n\nOrder limits are counted per UID and per IP across all your keys. "
            "Could you send the exact UTC timestamps and the IPs your bot connects from? Then "
            "we can see which limit you are hitting.\n\n{agent}"
        ),
        resolution=(
            "Hi {name},\n\nYour order-rate override was reset by a configuration change "
            "yesterday. It is restored (50 orders per 10 seconds) for UID {uid}. Sorry for the "
            "trouble.\n\n{agent}"
        ),
        note="MM programme tier 2; overrides were wiped by yesterday's gateway deploy. Ops "
        "restored from backup. Check the other MM accounts too!",
        priority=Priority.HIGH,
        tags=("rate-limit", "market-maker"),
    ),
    Story(
        category=Category.API,
        subject="WebSocket user stream disconnects every few minutes",
        opening=(
            "Our connection to the user data WebSocket drops every 3-5 minutes with close code "
            "1006. We send a ping every 30 seconds. Servers in AWS Tokyo. Any known issue?"
        ),
        reply=(
            "Hi {name},\n\nThe gateway closes connections that don't answer our ping frames "
            "within 10 seconds. Please make sure your client replies to server pings with a "
            "pong, not only sends its own.\n\n{agent}"
        ),
        resolution=("Hi {name},\n\nGreat to hear answering the server pings fixed it.\n\n{agent}"),
        note="Client library ignored server pings. Documented in the FAQ; link added.",
        tags=("websocket",),
    ),
    Story(
        category=Category.API,
        subject="Signature for this request is not valid (-1022)",
        opening=(
            "Since I regenerated my API key every signed request fails with 'Signature for "
            "this request is not valid.' I'm using HMAC SHA256 in Python, same code as before."
        ),
        reply=(
            "Hi {name},\n\nThe usual cause is signing a query string that differs from the one "
            "sent, for example parameters re-ordered or URL-encoded after signing. Could you "
            "share the exact string you sign (with the secret removed)?\n\n{agent}"
        ),
        resolution="Hi {name},\n\nPerfect, signing the encoded query fixed it.\n\n{agent}",
        note="requests re-encoded the params after signing. Customer fixed on their side.",
        priority=Priority.LOW,
        tags=("signature",),
    ),
    Story(
        category=Category.KYC,
        subject="KYC rejected again: 'document unclear'",
        opening=(
            "My identity verification was rejected again with the reason 'Document unclear'. "
            "I've uploaded my passport three times in good light. What exactly is wrong? UID "
            "{uid}"
        ),
        reply=(
            "Hi {name},\n\nThe photo page must be fully visible including the two lines of "
            "machine-readable text at the bottom, with no glare over it, and it must be a photo "
            "of the original, not a scan or screenshot.\n\n{agent}"
        ),
        resolution=(
            "Hi {name},\n\nYour verification has been approved and your limits are raised. "
            "Welcome aboard!\n\n{agent}"
        ),
        note="Previous uploads cut off the MRZ. Asked the vendor to re-run with the new upload.",
        tags=("kyc-rejected",),
    ),
    Story(
        category=Category.KYC,
        subject="Proof of address pending for 5 days",
        opening=(
            "I submitted a bank statement as proof of address five days ago and the status "
            "still says 'Under review'. My deposit limit is blocking me. How long does this "
            "take?"
        ),
        reply=(
            "Hi {name},\n\nAdvanced verification normally takes 2 business days; yours is in a "
            "backlog after a surge of applications. I've asked the compliance team to "
            "prioritise it.\n\n{agent}"
        ),
        resolution="Hi {name},\n\nYour proof of address is approved.\n\n{agent}",
        note="Compliance backlog ~4 days. Prioritised.",
        priority=Priority.LOW,
        tags=("kyc-backlog",),
    ),
    Story(
        category=Category.SECURITY,
        subject="Unrecognised login from {city}, please freeze my account",
        opening=(
            "I just got an e-mail about a login from {city} (IP {ip}) that wasn't me. I've "
            "changed my password. Please freeze my account and check if anything was "
            "withdrawn!! UID {uid}"
        ),
        reply=(
            "Hi {name},\n\nWe have frozen your account as a precaution and ended every active "
            "session. No withdrawals were made after that login. Please also change your "
            "e-mail password, as the attacker may have had access to it.\n\n{agent}"
        ),
        resolution=(
            "Hi {name},\n\nYour account is unfrozen after the identity check. We revoked all "
            "API keys and whitelisted addresses. Please set up an authenticator app.\n\n{agent}"
        ),
        note="Session from {ip} killed, account frozen, API keys revoked. Security to check "
        "whether the e-mail account was compromised.",
        priority=Priority.URGENT,
        tags=("account-takeover",),
    ),
    Story(
        category=Category.SECURITY,
        subject="Someone is pretending to be your support on Telegram",
        opening=(
            "Someone messaged me on Telegram as 'Vigil Exchange Support' and asked for my seed "
            "phrase to 'verify my account', with a link to a site that looks exactly like "
            "yours. Is this a scam?"
        ),
        reply=(
            "Hi {name},\n\nYes, that is a scam. Our staff will never ask for your seed phrase, "
            "password or 2FA codes. Don't open the link. We have reported the account and the "
            "domain for takedown. Thank you for telling us.\n\n{agent}"
        ),
        resolution="Hi {name},\n\nThe phishing domain has been taken down. Stay safe!\n\n{agent}",
        note="Phishing domain reported to registrar and Telegram. Added to the blocklist.",
        priority=Priority.HIGH,
        tags=("phishing",),
    ),
    Story(
        category=Category.FEES,
        subject="VIP fee tier not applied this month",
        opening=(
            "My 30-day volume was over 25M USDT but my trading fees are still at the VIP 1 "
            "rate. UID {uid}. Please correct and refund the difference."
        ),
        reply=(
            "Hi {name},\n\nThanks, I'm checking your 30-day volume snapshot with our VIP team; "
            "tiers are recalculated daily at 00:00 UTC.\n\n{agent}"
        ),
        resolution=(
            "Hi {name},\n\nYour VIP 2 tier is applied and the fee difference for the last 3 "
            "days has been refunded to your spot wallet.\n\n{agent}"
        ),
        note="Volume snapshot job skipped sub-accounts. Refund approved by the VIP team.",
        tags=("vip-fees",),
    ),
)
