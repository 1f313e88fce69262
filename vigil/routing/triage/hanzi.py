"""Compact character tables that tell Simplified Chinese, Traditional Chinese and Japanese apart.

See docs/architecture.md#triage. lingua says only "Chinese"; the script is decided here by counting
characters that exist in one written standard and not in the others. The tables hold common
characters of everyday and exchange-support text (money, accounts, verification, trading), not a
full conversion table: a few hundred distinctive characters are enough for a vote.
"""

from __future__ import annotations

# Simplified/Traditional pairs, one pair per two characters. Only pairs whose simplified form is
# not itself in ordinary Traditional use (后/後, 干/幹, 里/裡, 面/麵, 只/隻, 台/臺 are left out).
_PAIRS = (
    "币幣现現账賬帐帳号號码碼钱錢还還没沒为為么麼这這个個时時间間们們说說请請问問题題发發务務单單"
    "订訂认認证證实實验驗资資产產转轉户戶录錄绑綁邮郵设設钥鑰网網络絡链鏈线線额額续續费費审審处處"
    "补補偿償冻凍结結锁鎖盗盜骗騙诈詐宝寶欧歐钟鐘头頭买買卖賣仓倉强強杠槓约約价價亏虧损損无無显顯"
    "经經过過两兩长長门門开開关關闭閉边邊见見观觀规規视視觉覺亲親讯訊话話语語让讓谢謝谁誰读讀该該"
    "详詳细細级級红紅给給终終统統继繼银銀错錯闻聞阅閱队隊阳陽际際陆陸险險随隨难難车車输輸软軟达達"
    "进進远遠运運连連选選递遞迟遲适適页頁项項顺順须須预預领領频頻风風飞飛马馬东東乐樂义義习習书書"
    "乱亂争爭亚亞亿億仅僅从從优優伤傷体體侧側储儲儿兒兑兌击擊则則刚剛创創删刪别別办辦动動劳勞势勢"
    "历歷压壓参參双雙变變吗嗎听聽启啟员員响響团團图圖国國场場块塊坏壞声聲备備复復够夠奖獎妈媽学學"
    "对對导導将將尔爾层層岁歲带帶帮幫广廣库庫应應废廢张張归歸当當态態总總恶惡惊驚惯慣愿願战戰执執"
    "扩擴扫掃护護报報担擔拥擁择擇换換据據数數断斷旧舊术術机機权權条條来來极極构構标標样樣档檔检檢"
    "楼樓欢歡残殘毕畢气氣汇匯汉漢测測济濟涨漲满滿灯燈点點热熱爱愛状狀独獨环環电電画畫监監盘盤确確"
    "礼禮种種积積称稱稳穩笔筆类類紧緊纪紀纳納组組维維缓緩编編缴繳职職联聯胜勝脑腦脸臉节節获獲营營"
    "装裝览覽计計议議记記讲講许許论論访訪识識诉訴译譯试試询詢误誤调調负負货貨质質购購贷貸赔賠赚賺"
    "赢贏赶趕轻輕载載较較辑輯键鍵阶階隐隱顾顧龄齡挂掛协協传傳伪偽举舉丢丟虽雖兴興拨撥扰擾异異圆圓"
    "钓釣赎贖驾駕驶駛湾灣区區华華卫衛会會写寫凭憑闪閃钻鑽汤湯盐鹽恼惱辆輛闲閒"
)
# Japanese shinjitai and kokuji: forms used in Japanese and in neither Chinese standard.
_JAPANESE_ONLY = (
    "対済変続証売読気戻払処録込円価広応図帰総発単楽悪覚観権仮効従営転伝経検験駅様歳険拡挙覧訳択"
    "両歴乗満産関顔頼軽雑譲聴脳薬継緑絵穏栄戦亜実児剤黒隠辺遅銭働枠徴毎歩鉄齢巻恵勧沢浜囲駆騒髪"
)

SIMPLIFIED_ONLY: frozenset[str] = frozenset(_PAIRS[0::2])
TRADITIONAL_ONLY: frozenset[str] = frozenset(_PAIRS[1::2])
JAPANESE_ONLY: frozenset[str] = frozenset(_JAPANESE_ONLY)


def script_votes(text: str) -> tuple[int, int, int]:
    """Count (simplified-only, traditional-only, Japanese-only) characters in the text."""
    simplified = traditional = japanese = 0
    for char in text:
        if char < "\u3400":
            continue
        if char in SIMPLIFIED_ONLY:
            simplified += 1
        elif char in TRADITIONAL_ONLY:
            traditional += 1
        elif char in JAPANESE_ONLY:
            japanese += 1
    return simplified, traditional, japanese
