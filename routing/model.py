"""The learned text classifier: category and department heads over sparse text features.

Features (bench/CLASSIFIER.md has the ablation that chose them; default: char + nospace + stem + lex):
  - "char":  character 1-4-grams inside word boundaries (char_wb), TF-IDF, sublinear tf
  - "nospace": character 2-4-grams of the text with its spaces removed (Korean written without spacing)
  - "stem":  word 1-2-grams after a rule-based Korean stemmer strips particles and endings
  - "lex":   a domain lexicon (LEXICON: Korean and English keywords per department and category,
             written from the taxonomy): one indicator per keyword plus a count per group. It carries
             the taxonomy's knowledge to words the corpus never shows and to English texts.
  - optional: "morph" (kiwipiepy morphemes), "word" (word 1-2-grams), "tail" (the last sentences);
             they did not earn their cost.
Training fits scikit-learn; prediction needs only numpy and scipy (routing.ngrams), so a process that
only classifies never imports scikit-learn.
Heads: linear SVMs (one-vs-rest) for category and for department; the department head learns only
from texts that have an owner (gratitude/other go to communication by rule). Scores are calibrated
by temperature scaling fitted on out-of-fold scores (k-fold inside `train`); the same out-of-fold
probabilities choose the LOWER decision threshold for `safety` (the highest threshold that still
catches `safety_target_recall` of the safety texts: prefer a false alarm to a miss), stored in the
artifact. The taxonomy's department descriptions are added as pseudo-examples.

Rules enforced at prediction time:
  - category `safety` whenever P(safety) >= safety_threshold (mixed texts: the one asking most);
  - gratitude and other go to department `communication`;
  - any input (empty, emoji-only, binary-looking, very long, control characters) gets an answer
    from the taxonomy and never raises: `other`/`communication` where nothing fits.
"""
from __future__ import annotations

import gzip
import hashlib
import inspect
import io
import json
import math
import pickle
import re
import threading
import time
import unicodedata
from dataclasses import dataclass, field
from typing import Callable

import numpy as np
import scipy.sparse as sp

from routing.ngrams import TfidfBlock

CATEGORIES = ("complaint", "suggestion", "safety", "improvement", "gratitude", "other")
DEPARTMENTS = (
    "parks", "roads", "traffic", "sanitation", "environment", "safety", "welfare",
    "economy", "building", "health", "culture", "admin", "communication",
)
COMMUNICATION = "communication"
NO_OWNER = ("gratitude", "other")
# When a text mixes kinds, the category that asks the most of the office wins.
CATEGORY_PRIORITY = ("safety", "complaint", "improvement", "suggestion", "gratitude", "other")

# 2: TF-IDF blocks stored as routing.ngrams.TfidfBlock (1: scikit-learn vectorizers, still read)
ARTIFACT_FORMAT = 2
READABLE_FORMATS = (1, 2)
MAX_CHARS = 2000  # longer texts: the head and the tail are kept (the request is usually last)

DEFAULT_PARAMS = {
    "features": ["char", "nospace", "stem", "lex"],
    "char_ngram": [1, 4],
    "nospace_ngram": [2, 4],
    "word_ngram": [1, 2],
    "tail_chars": 160,
    "min_df": 2,
    "classifier": "svc",          # "svc" (LinearSVC, fast) or "lr" (LogisticRegression)
    "C_category": 1.0,
    "C_department": 1.0,
    "category_exclude": [],       # feature-name prefixes the category head does not weigh (e.g. "lex:dep:")
    "class_weight": "balanced",
    "lex_group_weight": 0.5,
    "taxonomy_pseudo_examples": True,
    "folds": 5,
    "safety_target_recall": 0.98,
    "safety_threshold_bounds": [0.05, 0.5],
    "block_weights": {"char": 1.0, "nospace": 1.0, "word": 1.0, "tail": 0.5, "morph": 1.0, "stem": 1.0,
                      "lex": 0.3},
    # routing confidence: "joint" = P(not gratitude/other) * P(department | owned) (the probability
    # that the destination is right), "department" = P(department | owned) alone
    "confidence": "joint",
}

# Department descriptions from the taxonomy (Korean and English), used as extra pseudo-examples.
DEPARTMENT_DESCRIPTIONS = {
    "parks": ["공원녹지과 공원 가로수 녹지 놀이터 조경 가지치기 고사목 쓰러진 나무",
              "parks, street trees, green spaces, playground greenery, pruning, dead or fallen trees"],
    "roads": ["도로과 도로 보도 인도 포트홀 파손 가로등 도로표지판 빗물받이 도로 제설",
              "roads, sidewalks, potholes, street lights, road signs, drains on roads, snow removal on roads"],
    "traffic": ["교통행정과 불법주차 단속 공영주차장 버스정류장 승강장 택시 교통 흐름 과속방지턱",
                "illegal parking enforcement, public parking lots, bus stops and shelters, taxis, traffic flow, speed bumps"],
    "sanitation": ["청소행정과 생활쓰레기 수거 재활용 분리배출 무단투기 음식물쓰레기 거리 청소",
                   "household waste collection, recycling, illegal dumping, food waste, street cleaning"],
    "environment": ["환경과 소음 악취 대기오염 수질오염 공사장 비산먼지 공공장소 해충",
                    "noise, odour, air and water pollution, construction dust, pests in public places"],
    "safety": ["안전총괄과 재난 대응 침수 결빙 산사태 붕괴 위험 시설물 CCTV 비상벨 안전점검",
               "disaster response, flooding, ice, landslides, collapsing structures, CCTV, emergency bells, safety inspections"],
    "welfare": ["복지정책과 어르신 노인 장애인 기초생활수급 아동 가족 독거 1인가구 지원",
                "the elderly, disabled people, basic livelihood support, children and families, lone households"],
    "economy": ["일자리경제과 소상공인 골목상권 전통시장 상점가 일자리 창업",
                "small businesses, alley and traditional markets, shopping streets, jobs, start-ups"],
    "building": ["건축과 불법건축물 건축허가 빈집 주택 아파트 관리 불법 현수막 옥외광고물",
                 "illegal construction, building permits, empty houses, housing, apartment management issues, illegal banners, outdoor advertising"],
    "health": ["보건소 공중보건 흡연구역 금연 식품위생 유기동물 길고양이 모기 방역 소독 진료",
               "public health, smoking areas, food hygiene, stray animals, mosquito control and disinfection, clinics"],
    "culture": ["문화체육과 도서관 축제 체육시설 문화프로그램 관광",
                "libraries, festivals, sports facilities, cultural programmes, tourism"],
    "admin": ["자치행정과 구청 민원 절차 민원실 창구 공무원 친절 수수료 서류 발급 주민센터 행정복지센터",
              "district office procedures, civil-service counters, staff conduct, fees and documents, community centres"],
}


# Domain lexicon: keywords per department and per category, from the taxonomy and general knowledge of
# Korean district administration (not from any evaluation text). Korean entries match as substrings
# of the text with spaces removed; English entries match as prefixes of words.
LEXICON = {
    "dep:parks": (
        "공원 가로수 나무 녹지 놀이터 조경 가지치기 고사목 잔디 화단 숲 산책로 둘레길 등산로 수목 벚나무 은행나무 느티나무 플라타너스 묘목 잡초 풀베기 예초 꽃 정원 쉼터 벤치 운동기구 "
        "공원화장실 녹조 생태 텃밭 근린공원 어린이공원 나뭇가지 가지 낙엽 그네 미끄럼틀 시소 분수 연못 꽃밭 녹지대 쓰러진나무 고사 말라 죽은나무 뿌리 풀 넝쿨 덩굴 솔방울 열매 공원등 "
        "정자 파고라 약수터 산림 등산 숲길 생태공원 수변공원",
        "park tree trees branch pruning prune garden green lawn grass playground bench trail hiking forest "
        "flower weed leaves swing slide fountain pond branches roots leaf fallen dead shrub bushes pavilion "
        "walking path woods",
    ),
    "dep:roads": (
        "도로 보도 인도 포트홀 구멍 파손 가로등 보안등 표지판 이정표 빗물받이 배수구 맨홀 제설 아스팔트 보도블록 블록 차선 굴착 공사 도색 횡단보도 육교 지하차도 경계석 갓길 노면 "
        "도로명 도로파손 움푹 패인 패임 울퉁불퉁 요철 싱크 보도블럭 점자블록 가드레일 방호벽 중앙분리대 반사경 도로반사경 터널 교량 다리 하수구 배수 물웅덩이 웅덩이 제설함 염화칼슘 "
        "가로등이 꺼 불이꺼 깜빡 전봇대 신호등",
        "road street sidewalk pavement pothole streetlight light lamp sign asphalt drain manhole snow removal "
        "crosswalk lane curb paving tiles uneven cracked bump guardrail mirror tunnel bridge sewer gutter "
        "puddle salt deicing post dark unlit flicker",
    ),
    "dep:traffic": (
        "주차 불법주차 주정차 단속 견인 공영주차장 주차장 버스 정류장 승강장 택시 교통 신호 과속방지턱 과속 킥보드 자전거 방치차량 차량 노선 배차 카메라 거주자우선 정체 통행 일방통행 "
        "어린이보호구역 이중주차 주차난 주차공간 주차면 장애인주차 공영 버스노선 마을버스 시내버스 배차간격 버스기사 정차 무정차 승차거부 미터기 부당요금 교통체증 교통량 신호주기 좌회전 "
        "유턴 단속카메라 과속카메라 번호판 전동킥보드 공유킥보드 따릉이 공영자전거 통학로 스쿨존 정류소 버스도착",
        "parking parked car cars bus buses taxi taxis traffic signal speed bump tow scooter bike bicycle "
        "route stop shelter congestion driver meter double lot space towing abandoned license plate skipped "
        "timetable fare refused ride overcharg jam u-turn left turn camera enforcement e-scooter school zone",
    ),
    "dep:sanitation": (
        "쓰레기 수거 재활용 분리배출 분리수거 무단투기 음식물 종량제 봉투 대형폐기물 폐기물 청소 청소차 환경미화 폐가전 스티커 투기 헌옷 폐건전지 형광등 쓰레기통 쓰레기봉투 종량제봉투 "
        "음식물쓰레기 재활용품 분리수거함 클린하우스 수거함 수거차량 미수거 수거안 쓰레기더미 불법투기 폐가구 매트리스 소파 이불 스티로폼 박스 폐지 담배꽁초 꽁초 길거리청소 낙엽청소 청소부 "
        "미화원",
        "trash garbage rubbish waste recycl dump dumping litter bin collection cleaning sweep bag sticker "
        "furniture food recycling dumpster uncollected not collected pile dumped mattress sofa couch boxes "
        "styrofoam cigarette butts street cleaner",
    ),
    "dep:environment": (
        "소음 악취 냄새 대기 미세먼지 먼지 비산 수질 오염 매연 연기 공사소음 층간 진동 폐수 하천오염 녹조 해충 날파리 벌레 배기 공장 석면 소각 확성기 야간소음 생활소음 개짖는 짖는 "
        "하수냄새 축사 퇴비 분뇨 비산먼지 방진막 세륜 불법소각 쓰레기소각 방류 기름 하천 거품 물고기 죽은 악취민원 환경오염 빛공해 소독약",
        "noise noisy loud smell odor odour stink air pollution dust smoke fumes water pest insects vibration "
        "exhaust factory asbestos burning construction loudspeaker barking at night sewage manure cloud net "
        "waste wastewater oil river stream polluted dead fish foam light",
    ),
    "dep:safety": (
        "재난 침수 홍수 결빙 빙판 얼음 산사태 붕괴 무너 축대 옹벽 균열 위험 안전점검 cctv 비상벨 낙석 태풍 폭우 대피 싱크홀 땅꺼짐 난간 추락 가스 누전 전선 화재 소화기 범람 "
        "하천 물이차 잠겼 위험물 위험시설 붕괴위험 담장 석축 기울어 기울 쏟아 흘러내 토사 절개지 맨홀뚜껑 뚜껑이 열려 구멍 늘어진 끊어진 감전 가스냄새 가스누출 폭발 화재위험 불씨 "
        "소화전 대피소 재난문자 배수펌프 역류 물난리 잠겨 잠김 하천수위 폭설 한파 폭염 무더위쉼터 안전펜스 안전난간 추락위험 방범 방범등 어두운 골목 범죄 씨씨티비",
        "disaster flood flooding ice icy frozen slippery landslide collapse crack wall danger dangerous "
        "hazard safety cctv emergency bell rockfall typhoon storm evacuat sinkhole railing fall gas leak wire "
        "fire extinguisher collapsing leaning tilted retaining cracks falling rocks loose manhole cover open "
        "hole live exposed wires hanging electric shock smell explosion hydrant shelter flooded underwater "
        "submerged overflow heavy rain heatwave heat guard rail crime dark alley security camera",
    ),
    "dep:welfare": (
        "어르신 노인 경로당 장애인 장애 기초생활 수급 생계 지원금 복지 아동 아이돌봄 돌봄 가족 한부모 다문화 독거 1인가구 고독사 긴급 바우처 기초연금 노인일자리 휠체어 급식 저소득 "
        "차상위 보육 어린이집 홀로 혼자사시 독거노인 노인정 경로 치매어르신 요양 장애인콜택시 활동지원 기초수급 수급자 생계급여 주거급여 긴급지원 긴급복지 복지관 사회복지 아동수당 양육 "
        "출산 산후 결식 무료급식 도시락 푸드뱅크 후원 기부 주거취약 쪽방 노숙",
        "elderly senior old people disabled disability wheelchair welfare benefit support allowance "
        "livelihood child care childcare family families alone lonely poverty low-income daycare lives living "
        "grandmother grandfather nursing dementia person center social worker newborn single mother parent "
        "free meals food bank homeless poor",
    ),
    "dep:economy": (
        "소상공인 상인 가게 상점 상가 골목상권 전통시장 상점가 일자리 취업 창업 폐업 자영업 지역화폐 상품권 착한가격 매출 손님 점포 푸드트럭 구인 골목시장 재래시장 상권 자영업자 영세 "
        "소상공인지원 대출지원 경영안정 창업지원 일자리센터 취업박람회 공공일자리 청년일자리 구직 임대료 젠트리 공실 빈점포 간판지원 상인회 장날 배달앱 공공배달 지역상품권 온누리",
        "small business shop shops store market merchant jobs job employment startup start-up voucher "
        "customers owner shopkeeper merchants rent vacant fair center unemployed hiring local currency gift "
        "certificate delivery app",
    ),
    "dep:building": (
        "불법건축 무허가 건축 건축허가 용도변경 빈집 폐가 주택 아파트 관리사무소 관리소 입주자대표 입대의 관리비 장기수선 현수막 옥외광고 간판 불법광고 전단 재개발 재건축 조립식 옥탑 "
        "증축 공사장 크레인 타워크레인 빌라 불법증축 불법용도 무단증축 위반건축물 건축물 건물주 집주인 세입자 전세 월세 임대 공동주택 아파트단지 입주민 관리규약 동대표 하자 누수 곰팡이 "
        "층간 공사허가 철거 폐건물 흉가 불법현수막 전단지 에어라이트 입간판 돌출간판 불법간판 광고물",
        "illegal construction building permit empty house vacant housing apartment management banner "
        "billboard advertis signboard redevelopment renovation extension crane unauthorized landlord tenant "
        "lease complex office residents association leak mold demolition abandoned banners flyers posters "
        "leaflets sign board",
    ),
    "dep:health": (
        "보건소 보건지소 보건 건강 흡연 금연 담배 흡연구역 식품위생 위생 식당 식중독 유기견 유기동물 떠돌이 길고양이 고양이 들개 모기 방역 소독 진료 예방접종 접종 백신 검진 치매 감염 "
        "쥐 비둘기 의료 병원 약국 감염병 코로나 독감 예방주사 결핵 건강검진 금연구역 흡연부스 간접흡연 길냥이 캣맘 들고양이 유기묘 동물보호 반려견 목줄 입마개 개물림 배설물 방역소독 "
        "살충 모기유충 진드기 바퀴벌레 쥐떼 위생불량 유통기한 식품 위생점검 정신건강 마음건강",
        "health clinic smoking smoke cigarette food hygiene restaurant stray dog dogs cat cats animal "
        "mosquito mosquitoes disinfect vaccin checkup doctor infection rats pigeons hospital pharmacy flu "
        "covid tuberculosis check non-smoking no secondhand shelter leash muzzle bite poop disinfection "
        "spraying ticks cockroach expired inspection mental",
    ),
    "dep:culture": (
        "도서관 축제 체육 체육관 체육시설 수영장 운동장 경기장 게이트볼 문화 공연 공연장 전시 문화센터 프로그램 강좌 관광 행사 생활체육 테니스 축구장 야구장 배드민턴 작은도서관 "
        "구립도서관 열람실 대출 반납 책 도서 독서 체육센터 국민체육센터 헬스장 풋살 족구 파크골프 게이트볼장 배드민턴장 음악회 영화 축제장 문화행사 관광객 관광지 문화재 유적 박물관 "
        "미술관 평생학습 수강 동아리",
        "library libraries festival sports sport gym swimming pool stadium court culture cultural concert "
        "performance exhibition programme program class tourism tourist event tennis soccer football book "
        "books reading room borrow return fitness center futsal park golf movie tourists heritage museum "
        "gallery lifelong learning course lessons club",
    ),
    "dep:admin": (
        "구청 민원실 민원 창구 공무원 직원 불친절 친절 수수료 서류 발급 증명서 등본 초본 주민센터 행정복지센터 동사무소 전입신고 통장 반장 주민자치 주민자치위원회 소식지 홈페이지 전화 "
        "응대 점심시간 번호표 대기 인감 여권 민원처리 민원서류 무인발급기 발급기 등기 인감증명 가족관계 전입 전출 주민등록 외국인등록 공무원태도 반말 불친절한 담당자 답변 회신 처리기한 "
        "접수 주민센터직원 동장 통반장 주민자치회 주민총회 위원장 선출 회의실 대관 행정 업무시간 토요일 야간민원 세금 지방세 과태료 고지서 납부",
        "district office community center centre counter civil servant staff official rude fee fees document "
        "certificate form website homepage phone reception passport registration complaint issuance kiosk "
        "resident foreigner arc alien no answer reply deadline dong service tax taxes fine notice payment "
        "opening hours saturday",
    ),
    "cat:safety": (
        "위험 다칠 다쳐 사고 넘어 미끄러 빙판 얼어 붕괴 무너 쓰러질 떨어질 떨어져 추락 감전 가스 냄새가나 화재 연기 침수 물이차 잠겼 급해 급합 빨리 긴급 지금 당장 아이들 어린이 "
        "다치 다칠뻔 넘어졌 넘어질 미끄러졌 부딪 깔릴 떨어질뻔 물에빠 익사 질식 폭발 터질 감전될 무너질 쓰러질것 큰일 사고날 사고나 위험해 위험합 아찔 조마조마 무서워 "
        "불나면 불이라도 못나가 비상구 방화문 타는냄새 탄내 그을 불꽃 스파크 연기가 물렸 물릴 광견병 구토 토하 식중독 고열 열이나 "
        "혼자있 쓰러져 의식 대답이 숨을 얼어죽 동상 빠질뻔 빠지면 발빠 찔려 찔릴 베일 파편 유리조각 흔들려 흔들거 덜렁 빠져있 풀려 "
        "썩어 기울었 금이갔 꺼졌 깊어 커지 차오르 차올라 넘쳐 휩쓸 떠내려 밟으면 걸려 애들이 아이가 어린이집 하교 등교",
        "danger dangerous hazard hurt injur accident fall fell slip collapse shock gas fire smoke flood "
        "urgent immediately now emergency kids children almost nearly hit could will someone get injured "
        "drown explode electrocut about to scary before bit bitten bite rabies vomit vomiting poisoning fever unconscious "
        "not responding freezing alone shards glass burnt burning sparks smoking melting wobbl loose rotten chained blocked exit "
        "trapped sinking deeper getting worse any second toddler school",
    ),
    "cat:gratitude": (
        "감사 고맙 고마워 수고 덕분 칭찬 최고 훌륭 친절하 응원 힘내",
        "thank thanks grateful appreciate great job excellent kind wonderful praise",
    ),
    "cat:suggestion": (
        "좋겠 어떨까 어떨지 설치해주 만들어주 생기면 도입 신설 제안 추가로 늘려주 있었으면 해주면 해주시면 만들면 생겼으면 설치하면 있으면 운영하면 도입하면 하면어떨 건의 아이디어 제안드",
        "suggest suggestion how about would be nice could you add new idea install introduce please build "
        "what it great propose the district start a program",
    ),
    "cat:improvement": (
        "바꿔 변경 개선 기준 규정 절차 시간 연장 수수료 온라인 간소화 늘려 줄여 허용 요일 운영시간 제도 바꿔주 바꾸면 변경해 개선해 완화 확대 연장해 단축 늘리 줄이 폐지 허용해 "
        "기준을 규정을 조례 절차를 방식을 시스템 예약 신청방법 온라인으로 카드결제 영어",
        "change rule rules procedure policy hours extend fee online allow simplif system form criteria should "
        "please make it possible only accept requirement regulation booking card payment english version",
    ),
    "cat:other": (
        "테스트 광고 대출 당첨 클릭 잘못 보냈 무시 수신 확인용 ㅋㅋㅋ",
        "test testing wrong number loan winner click prize ignore",
    ),
    "cat:complaint": (
        "안돼 안되 고장 방치 해주세요 민원 불법 왜 언제 며칠째 계속 매일 안되나요 인가요 건가요 나요 맞나요 되나요 않나요 어떻게 된 답답 짜증 불편 항의 시정 조치 처리해 치워 고쳐 "
        "해결",
        "broken not working still again every why when please fix complain is it legal isn't can't cannot "
        "nobody repair remove clean up",
    ),
}


@dataclass(frozen=True)
class Prediction:
    category: str               # taxonomy key, after the safety threshold rule
    category_confidence: float  # calibrated probability of that category
    department: str             # the model's top department; gratitude/other -> "communication"
    department_confidence: float  # calibrated probability that the case's destination is right
    explanation: list[str] = field(default_factory=list)  # words that weighed most (department, then category)

    @property
    def confidence(self) -> float:
        """The routing confidence: the calibrated probability that the case's destination is right.

        The routing decision is the destination desk, and misroute/triage are about the destination,
        so this is the joint figure P(the text has an owner) * P(department | owned) (or
        P(gratitude or other) when it goes to communication): `department_confidence`. It is not
        min(category, department): a text raised to `safety` by the low safety threshold has a low
        category probability by design, and a min() would send every such alarm to triage (the slow
        path); a complaint/improvement doubt does not change the desk either.
        """
        return self.department_confidence


# ----------------------------------------------------------------------------- text handling

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202f\u2060-\u206f\ufeff\ufffd]")
_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
_URL = re.compile(r"https?://\S+|www\.\S+")
_DIGITS = re.compile(r"\d+")
_SPACE = re.compile(r"\s+")
_SENTENCE_END = re.compile(r"(?<=[.!?。？！])\s+|(?<=[요다죠까])[.!?~]*\s+|\n+")
_LETTER = re.compile(r"[A-Za-z\uac00-\ud7a3\u3131-\u318e]")


def clean(text) -> str:
    """Normalised text: NFKC, no control characters, digits folded to 0, lower case, bounded length."""
    if not isinstance(text, str):
        try:
            text = text.decode("utf-8", "replace") if isinstance(text, (bytes, bytearray)) else str(text)
        except Exception:
            return ""
    text = _ANSI.sub(" ", text)
    text = unicodedata.normalize("NFKC", text)
    text = _CONTROL.sub(" ", text)
    text = _URL.sub(" url ", text)
    text = _DIGITS.sub("0", text)
    text = _SPACE.sub(" ", text).strip().lower()
    if len(text) > MAX_CHARS:
        head = MAX_CHARS * 2 // 3
        text = text[:head] + " " + text[-(MAX_CHARS - head):]
    return text


def has_content(cleaned: str) -> bool:
    """True when the text has at least two letters (Hangul or Latin) to classify."""
    return len(_LETTER.findall(cleaned)) >= 2


def tail(cleaned: str, n_chars: int) -> str:
    """The last sentences of the text, about n_chars long."""
    if len(cleaned) <= n_chars:
        return cleaned
    parts = [p for p in _SENTENCE_END.split(cleaned) if p and p.strip()]
    out = ""
    for p in reversed(parts):
        out = (p + " " + out).strip()
        if len(out) >= n_chars:
            break
    return out[-(n_chars * 2):]


def _nospace(text: str) -> str:
    return text.replace(" ", "")


# ----------------------------------------------------------------------------- morphemes (optional)

_kiwi = None
_kiwi_lock = threading.Lock()
_MORPH_TAGS = {"NNG", "NNP", "VV", "VA", "XR", "SL", "SH", "VV-I", "VA-I", "VV-R", "VA-R"}


def _get_kiwi():
    global _kiwi
    with _kiwi_lock:
        if _kiwi is None:
            import warnings

            from kiwipiepy import Kiwi

            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                _kiwi = Kiwi(num_workers=-1)
        return _kiwi


def morphemes(text: str) -> str:
    """Content morphemes of the text joined by spaces (verb/adjective stems get 다)."""
    if not text:
        return ""
    try:
        tokens = _get_kiwi().tokenize(text)
    except Exception:
        return ""
    out = []
    for t in tokens:
        if t.tag in _MORPH_TAGS:
            form = t.form.lower()
            if t.tag.startswith(("VV", "VA")):
                form += "다"
            out.append(form.replace(" ", "_"))
    return " ".join(out)



# Rule-based Korean stemming: a fast stand-in for a morphological analyser (strips the common
# particles and verb endings from each word; English words are cut to their first 6 letters).
_SUFFIXES = sorted(set("""
이에요 예요 입니다 습니다 합니다 됩니다 했어요 해요 해서 했는데 하는데 하고 하게 하면 해주세요 해주시 해줘요 해줘
주세요 주시 어요 아요 았어요 었어요 네요 는데 는데요 은데 인데 인데요 이라 라고 다고 에서 에서도 에게 한테 께서 까지 부터 
으로 로 으로는 로는 이랑 랑 하고 과 와 의 에 에는 을 를 이 가 은 는 도 만 요 고 서 며 면 게 지 죠 나 니 냐 야 
이고 이며 이나 처럼 보다 마다 밖에 들 들이 들은 들을 들도 들의 됐어요 됐는데 되어 되는 돼서 돼요 돼 된 될 되 
""".split()), key=len, reverse=True)
_HANGUL_WORD = re.compile(r"[\uac00-\ud7a3]+|[a-z]+")


_SUFFIX_SET = frozenset(_SUFFIXES)
_SUFFIX_LENS = sorted({len(s) for s in _SUFFIXES}, reverse=True)


def stems(text: str) -> str:
    out = []
    for w in _HANGUL_WORD.findall(text):
        if w.isascii():
            out.append(w[:6])
            continue
        for n in _SUFFIX_LENS:
            # keep at least two syllables of stem (one when the suffix is a single particle)
            if len(w) >= n + (1 if n == 1 else 2) and w[-n:] in _SUFFIX_SET:
                w = w[:-n]
                break
        out.append(w)
    return " ".join(out)


class LexiconVectorizer:
    """Fixed features from LEXICON: one indicator per keyword (L2-normalised) plus, per group
    (department or category), log(1 + number of its keywords in the text)."""

    def __init__(self, group_weight: float = 0.5):
        self.group_weight = group_weight
        ko, en = [], []
        for group, (ko_words, en_words) in LEXICON.items():
            ko += [(group, w) for w in ko_words.split()]
            en += [(group, w) for w in en_words.split() if len(w) >= 3 and w not in _STOP]
        self.groups = sorted(LEXICON)
        terms = [f"{g}|{w}" for g, w in ko + en]
        self.ko, self.en = ko, en
        self.ko_index: dict[str, list] = {}
        for g, w in ko:
            self.ko_index.setdefault(w[:2], []).append((g, w))
        self.en_index: dict[str, list] = {}
        for g, w in en:
            self.en_index.setdefault(w, []).append((g, w))
        self.max_en = max((len(w) for _, w in en), default=3)
        names = list(dict.fromkeys(terms)) + [f"{g}|*" for g in self.groups]
        self.vocabulary_ = {t: i for i, t in enumerate(names)}
        self.idf_ = np.ones(len(names), dtype=np.float32)

    def fit_transform(self, texts):
        return self.transform(texts)

    def fit(self, texts):
        return self

    def get_feature_names_out(self):
        names = [None] * len(self.vocabulary_)
        for t, i in self.vocabulary_.items():
            names[i] = t
        return np.array(names, dtype=object)

    def transform(self, texts):
        rows, cols, vals = [], [], []
        voc = self.vocabulary_
        for r, text in enumerate(texts):
            flat = text.replace(" ", "")
            words = _WORD.findall(text)
            hits = set()
            for i in range(len(flat)):
                for key in (flat[i], flat[i:i + 2]):
                    for g, w in self.ko_index.get(key, ()):
                        if flat.startswith(w, i):
                            hits.add((g, w))
            for tok in set(words):
                for n in range(3, min(len(tok), self.max_en) + 1):
                    for g, w in self.en_index.get(tok[:n], ()):
                        hits.add((g, w))
            counts: dict[str, int] = {}
            kw = [voc[f"{g}|{w}"] for g, w in hits if f"{g}|{w}" in voc]
            for g, _ in hits:
                counts[g] = counts.get(g, 0) + 1
            if kw:
                v = 1.0 / math.sqrt(len(kw))
                for c in kw:
                    rows.append(r); cols.append(c); vals.append(v)
            for g, n in counts.items():
                c = voc.get(f"{g}|*")
                if c is not None:
                    rows.append(r); cols.append(c); vals.append(self.group_weight * math.log1p(n))
        return sp.csr_matrix((np.asarray(vals, dtype=np.float32), (rows, cols)),
                             shape=(len(texts), len(voc)), dtype=np.float32)


# ----------------------------------------------------------------------------- feature blocks

def _make_vectorizer(name: str, params: dict):
    """An unfitted block. scikit-learn is imported here, for training only: prediction needs none of it."""
    from sklearn.feature_extraction.text import TfidfVectorizer

    min_df = params["min_df"]
    common = dict(sublinear_tf=True, min_df=min_df, lowercase=False, dtype=np.float32)
    if name == "char":
        return TfidfVectorizer(analyzer="char_wb", ngram_range=tuple(params["char_ngram"]), **common)
    if name == "nospace":
        return TfidfVectorizer(analyzer="char", ngram_range=tuple(params["nospace_ngram"]), **common)
    if name == "word":
        return TfidfVectorizer(analyzer="word", token_pattern=r"(?u)\b\w+\b",
                               ngram_range=tuple(params["word_ngram"]), **common)
    if name == "tail":
        return TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 4), **common)
    if name == "morph":
        return TfidfVectorizer(analyzer="word", token_pattern=r"\S+", ngram_range=(1, 2), **common)
    if name == "stem":
        return TfidfVectorizer(analyzer="word", token_pattern=r"\S+", ngram_range=(1, 2), **common)
    if name == "lex":
        return LexiconVectorizer(params.get("lex_group_weight", 0.5))
    raise ValueError(f"unknown feature block {name!r}")


def _block_input(name: str, cleaned: list[str], params: dict, morph_cache: list[str] | None = None) -> list[str]:
    if name in ("char", "word", "lex"):
        return cleaned
    if name == "nospace":
        return [_nospace(t) for t in cleaned]
    if name == "tail":
        return [tail(t, params["tail_chars"]) for t in cleaned]
    if name == "stem":
        return [stems(t) for t in cleaned]
    if name == "morph":
        return morph_cache if morph_cache is not None else [morphemes(t) for t in cleaned]
    raise ValueError(name)


def _prediction_block(fitted):
    """A fitted block as prediction uses it: a scikit-learn TF-IDF vectorizer becomes a TfidfBlock."""
    return fitted if isinstance(fitted, (LexiconVectorizer, TfidfBlock)) else TfidfBlock.from_fitted(fitted)


class _Features:
    """Fitted feature blocks -> one sparse matrix (each block L2-normalised and weighted)."""

    def __init__(self, params: dict):
        self.params = params
        self.blocks = list(params["features"])
        self.vectorizers = {b: _make_vectorizer(b, params) for b in self.blocks}
        self.offsets: dict[str, int] = {}
        self.names: np.ndarray | None = None

    def fit_transform(self, cleaned: list[str], morph: list[str] | None = None):
        mats = []
        for b in self.blocks:
            m = self.vectorizers[b].fit_transform(_block_input(b, cleaned, self.params, morph))
            mats.append(m * self.params["block_weights"].get(b, 1.0))
            self.vectorizers[b] = _prediction_block(self.vectorizers[b])
        self._index()
        return sp.hstack(mats, format="csr", dtype=np.float32)

    def transform(self, cleaned: list[str], morph: list[str] | None = None):
        mats = [self.vectorizers[b].transform(_block_input(b, cleaned, self.params, morph))
                * self.params["block_weights"].get(b, 1.0) for b in self.blocks]
        return sp.hstack(mats, format="csr", dtype=np.float32)

    def _index(self):
        names, start = [], 0
        for b in self.blocks:
            v = self.vectorizers[b]
            n = len(v.vocabulary_)
            self.offsets[b] = start
            start += n
            names.extend(f"{b}:{t}" for t in v.get_feature_names_out())
        self.names = np.array(names, dtype=object)

    @property
    def n_features(self) -> int:
        return len(self.names)

    def keep(self, mask: np.ndarray) -> None:
        """Drops the features not in mask (after training: weights that are all ~0)."""
        start = 0
        for b in self.blocks:
            v = self.vectorizers[b]
            n = len(v.vocabulary_)
            sub = mask[start:start + n]
            old_terms = v.get_feature_names_out()
            kept_idx = np.flatnonzero(sub)
            v.vocabulary_ = {old_terms[i]: j for j, i in enumerate(kept_idx)}
            if isinstance(v, LexiconVectorizer):
                v.vocabulary_ = {old_terms[i]: j for j, i in enumerate(kept_idx)}
            v.idf_ = v.idf_[kept_idx]
            start += n
        self._index()


# ----------------------------------------------------------------------------- the model

def _softmax(z: np.ndarray) -> np.ndarray:
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


def _fit_temperature(logits: np.ndarray, y: np.ndarray) -> float:
    """The temperature T that minimises the log loss of softmax(logits / T) (golden-section search)."""
    def nll(log_t):
        p = _softmax(logits / math.exp(log_t))
        return -np.mean(np.log(np.clip(p[np.arange(len(y)), y], 1e-12, None)))

    lo, hi = math.log(0.05), math.log(20.0)
    g = (math.sqrt(5) - 1) / 2
    a, b = hi - g * (hi - lo), lo + g * (hi - lo)
    fa, fb = nll(a), nll(b)
    for _ in range(60):
        if fa < fb:
            hi, b, fb = b, a, fa
            a = hi - g * (hi - lo)
            fa = nll(a)
        else:
            lo, a, fa = a, b, fb
            b = lo + g * (hi - lo)
            fb = nll(b)
    return float(math.exp((lo + hi) / 2))


@dataclass
class _Head:
    classes: tuple[str, ...]
    coef: np.ndarray        # (n_classes, n_features) float32
    intercept: np.ndarray   # (n_classes,)
    temperature: float = 1.0

    def logits(self, X) -> np.ndarray:
        return np.asarray(X @ self.coef.T) + self.intercept

    def proba(self, X) -> np.ndarray:
        return _softmax(self.logits(X) / self.temperature)


def category_columns(names: np.ndarray, exclude: list[str]) -> np.ndarray | None:
    """The feature columns the category head may weigh: all but those whose name starts with a prefix
    in `exclude` (None: all)."""
    if not exclude:
        return None
    return np.flatnonzero(~np.array([n.startswith(tuple(exclude)) for n in names]))


def _fit_head(X, y, classes: tuple[str, ...], params: dict, C: float, columns: np.ndarray | None = None) -> _Head:
    """A linear head over X; with `columns`, it learns from those columns only (the others weigh 0)."""
    from sklearn.svm import LinearSVC

    y = list(y)
    present = sorted(set(y), key=classes.index)
    coef = np.zeros((len(classes), X.shape[1]), dtype=np.float32)
    intercept = np.full(len(classes), -30.0)  # a class never seen in training is never predicted
    if len(present) == 1:
        intercept[classes.index(present[0])] = 30.0
        return _Head(classes, coef, intercept)
    if params.get("classifier", "svc") == "lr":
        from sklearn.linear_model import LogisticRegression

        clf = LogisticRegression(C=C, max_iter=3000, class_weight=params["class_weight"])
    else:
        # a fixed seed for the solver's shuffling: the same texts and code give the same model
        clf = LinearSVC(C=C, class_weight=params["class_weight"], max_iter=5000, random_state=0)
    clf.fit(X if columns is None else X[:, columns], y)
    cols = slice(None) if columns is None else columns
    if len(present) == 2:  # binary: one row of coefficients
        i0, i1 = classes.index(clf.classes_[0]), classes.index(clf.classes_[1])
        coef[i1, cols], coef[i0, cols] = clf.coef_[0] / 2, -clf.coef_[0] / 2
        intercept[i1], intercept[i0] = clf.intercept_[0] / 2, -clf.intercept_[0] / 2
    else:
        for row, c in enumerate(clf.classes_):
            coef[classes.index(c), cols] = clf.coef_[row]
            intercept[classes.index(c)] = clf.intercept_[row]
    return _Head(classes, coef, intercept)


class Model:
    """A trained classifier. `predict` never raises on bad input."""

    def __init__(self, features: _Features, category_head: _Head, department_head: _Head,
                 safety_threshold: float, params: dict, version: str, metadata: dict):
        self.features = features
        self.category_head = category_head
        self.department_head = department_head
        self.safety_threshold = float(safety_threshold)
        self.params = params
        self.version = version
        self.metadata = metadata

    # -- prediction

    def _probas(self, cleaned: list[str]):
        morph = [morphemes(t) for t in cleaned] if "morph" in self.features.blocks else None
        X = self.features.transform(cleaned, morph)
        return X, self.category_head.proba(X), self.department_head.proba(X)

    def predict_proba(self, texts: list[str]) -> tuple[np.ndarray, np.ndarray]:
        """Calibrated (category, department) probability matrices, columns in CATEGORIES/DEPARTMENTS order."""
        cleaned = [clean(t) for t in texts]
        _, pc, pd = self._probas(cleaned)
        return pc, pd

    def predict(self, texts: list[str]) -> list[Prediction]:
        texts = list(texts)
        if not texts:
            return []
        try:
            return self._predict(texts)
        except Exception:  # never raise: fall back one by one, then to the no-owner answer
            out = []
            for t in texts:
                try:
                    out.extend(self._predict([t]))
                except Exception:
                    out.append(_fallback())
            return out

    def _predict(self, texts: list[str]) -> list[Prediction]:
        cleaned = [clean(t) for t in texts]
        X, pc, pd = self._probas(cleaned)
        cat_idx = {c: i for i, c in enumerate(CATEGORIES)}
        dep_idx = {d: i for i, d in enumerate(DEPARTMENTS)}
        out = []
        for i, text in enumerate(cleaned):
            if not has_content(text):
                out.append(_fallback())
                continue
            category, category_conf = decide_category(pc[i], self.safety_threshold)
            department, department_conf = decide_department(category, pc[i], pd[i], self.params.get("confidence", "joint"))
            expl = self._explain(X, i, text, dep_idx[department], cat_idx[category])
            out.append(Prediction(category, category_conf, department, department_conf, expl))
        return out

    # -- explanation

    def _explain(self, X, i: int, text: str, dep_row: int, cat_row: int, k: int = 6) -> list[str]:
        """The words of the text whose features weighed most for the department (then the category)."""
        try:
            lo, hi = X.indptr[i], X.indptr[i + 1]
            idx, vals = X.indices[lo:hi], X.data[lo:hi]
            if len(idx) == 0:
                return []
            words = _words(text)
            dep = self._word_scores(idx, vals, self.department_head, dep_row, words)
            cat = self._word_scores(idx, vals, self.category_head, cat_row, words)
            chosen: list[str] = []
            for scores, quota in ((dep, 4), (cat, k)):
                for w, s in sorted(scores.items(), key=lambda kv: -kv[1]):
                    if len(chosen) >= k or quota == 0:
                        break
                    if s <= 0 or any(w in c or c in w for c in chosen):
                        continue
                    chosen.append(w)
                    quota -= 1
            return chosen
        except Exception:
            return []

    def _word_scores(self, idx, vals, head: _Head, row: int, words: list[str], top: int = 30) -> dict[str, float]:
        """Per word of the text: the summed contribution of the strongest features that occur in it."""
        coef = head.coef[:, idx]
        contrib = vals * (coef[row] - coef.mean(axis=0))  # relative to the average class
        order = np.argsort(-contrib)[:top]
        scores: dict[str, float] = {}
        for j in order:
            c = float(contrib[j])
            if c <= 0:
                break
            block, term = self.features.names[idx[j]].split(":", 1)
            if block == "lex":
                term = term.split("|", 1)[1]
                if term == "*":
                    continue
            term = term.strip()
            if block in ("stem", "morph", "word"):
                term = term.split(" ")[0]
                if block == "morph" and term.endswith("다") and len(term) > 2:
                    term = term[:-1]
            if len(term) < 2:
                continue
            hits = [w for w in words if term in w]
            for w in hits:
                scores[w] = scores.get(w, 0.0) + c / len(hits)
        return scores

    # -- serialisation

    def to_bytes(self) -> bytes:
        buf = io.BytesIO()
        with gzip.GzipFile(fileobj=buf, mode="wb", compresslevel=6, mtime=0) as gz:
            pickle.dump({"format": ARTIFACT_FORMAT, "model": self}, gz, protocol=pickle.HIGHEST_PROTOCOL)
        return buf.getvalue()

    @classmethod
    def from_bytes(cls, data: bytes) -> "Model":
        payload = pickle.loads(gzip.decompress(data))
        if not isinstance(payload, dict) or payload.get("format") not in READABLE_FORMATS:
            raise ValueError("not a routing model artifact of this format")
        model = payload["model"]
        if not isinstance(model, cls):
            raise ValueError("artifact does not hold a routing Model")
        if payload["format"] == 1:  # scikit-learn vectorizers: an earlier version, still rolled back to
            vectorizers = model.features.vectorizers
            for name, fitted in vectorizers.items():
                vectorizers[name] = _prediction_block(fitted)
        return model

    def __repr__(self) -> str:
        return f"<Model {self.version} features={self.features.blocks} safety_threshold={self.safety_threshold:.2f}>"


_WORD = re.compile(r"[\w']+")


_STOP = frozenset(("""the and for with this that there are was were have has not but you your our from
they them their its it's i'm please could would can will just very near next about been into also how what make new should only still when who why""" + " is it isn't can't cannot before someone"
                  # address parts and form field names: they say where or how, never why
                  " dong gil title subject location").split())


_KO_FILLER = frozenset("""있어요 있습니다 있는데 있는 있고 있어서 그래서 그런데 그리고 하지만 해주세요 부탁드립니다
부탁드려요 합니다 했어요 하는데 너무 정말 진짜 아주 좀 저희 우리 제가 저는 이거 그거 여기 거기 지금 오늘 어제 계속
때문에 같아요 같습니다 싶어요 없어요 없습니다 됩니다 되는 하는 하고 해서 안녕하세요 입니다 제목""".split())


# Emoticon jamo (ㅠㅠ, ㅋㅋ) typed onto a word: NFKC turns them into conjoining jamo that would show as
# broken syllables in the inbox, so they split words instead of belonging to them.
_JAMO = re.compile("[\u1100-\u11ff\u3130-\u318f]+")


def _words(text: str) -> list[str]:
    """The words an explanation may show: no numbers, no folded digits, no jamo, no stop words or fillers."""
    return [w for w in _WORD.findall(_JAMO.sub(" ", text))
            if len(w) >= 2 and "0" not in w and w not in _KO_FILLER
            and not (w.isascii() and (len(w) < 3 or w in _STOP))]


def _fallback() -> Prediction:
    return Prediction("other", 1.0, COMMUNICATION, 1.0, [])


def safety_alarm_possible(p_cat: np.ndarray) -> np.ndarray:
    """Whether the low safety threshold may apply: the most likely category asks something of the office.

    A text the model reads as thanks or spam is not turned into a safety case by a few per cent of
    safety probability (those were nearly all false alarms); it is safety only when safety is its
    most likely category. Works on one row or a matrix of rows.
    """
    best = np.argmax(p_cat, axis=-1)
    return ~np.isin(best, [CATEGORIES.index(c) for c in NO_OWNER])


def decide_category(p_cat: np.ndarray, safety_threshold: float) -> tuple[str, float]:
    """The category: `safety` when its probability reaches the (low) safety threshold and the text asks
    something of the office, else the argmax."""
    i_safety = CATEGORIES.index("safety")
    if p_cat[i_safety] >= safety_threshold and safety_alarm_possible(p_cat):
        return "safety", float(p_cat[i_safety])
    j = int(np.argmax(p_cat))
    return CATEGORIES[j], float(p_cat[j])


def decide_department(category: str, p_cat: np.ndarray, p_dep: np.ndarray, mode: str = "joint") -> tuple[str, float]:
    """The department and the calibrated probability that the case's destination is right.

    p_dep is the department head's distribution over the departments that own cases (it is trained
    without gratitude/other texts); P(no owner) = P(gratitude) + P(other) from the category head.
    gratitude/other -> communication with probability P(no owner); otherwise the top owner with
    P(owner) * (1 - P(no owner)) ("joint") or P(owner) alone ("department").
    """
    p_no_owner = float(p_cat[CATEGORIES.index("gratitude")] + p_cat[CATEGORIES.index("other")])
    if category in NO_OWNER:
        return COMMUNICATION, p_no_owner
    p = p_dep.copy()
    p[DEPARTMENTS.index(COMMUNICATION)] = 0.0
    j = int(np.argmax(p))
    conf = float(p[j]) / max(float(p.sum()), 1e-12)
    if mode == "joint":
        conf *= 1.0 - p_no_owner
    return DEPARTMENTS[j], conf


# ----------------------------------------------------------------------------- training

def _pseudo_examples() -> list[dict]:
    out = []
    for dep, texts in DEPARTMENT_DESCRIPTIONS.items():
        for t in texts:
            out.append({"text": t, "category": "complaint", "department": dep, "pseudo": True})
    return out


def _code_hash() -> str:
    """A hash of the code that turns texts into decisions: this module and its feature blocks."""
    try:
        src = inspect.getsource(inspect.getmodule(_code_hash)) + inspect.getsource(inspect.getmodule(TfidfBlock))
    except Exception:
        src = ARTIFACT_FORMAT.__repr__()
    return hashlib.sha256(src.encode()).hexdigest()


def model_version(examples: list[dict], params: dict) -> str:
    h = hashlib.sha256()
    for e in examples:
        h.update(json.dumps([e["text"], e["category"], e["department"]], ensure_ascii=False).encode())
        h.update(b"\n")
    h.update(json.dumps(params, sort_keys=True).encode())
    h.update(_code_hash().encode())
    return h.hexdigest()[:12]


def _validate(examples: list[dict]) -> list[dict]:
    out, seen = [], set()
    for e in examples:
        if not isinstance(e, dict) or not isinstance(e.get("text"), str):
            continue
        if e.get("category") not in CATEGORIES or e.get("department") not in DEPARTMENTS:
            continue
        key = _SPACE.sub(" ", e["text"]).strip()
        if not key or key in seen:
            continue
        seen.add(key)
        e = dict(e)
        if e["category"] in NO_OWNER:
            e["department"] = COMMUNICATION
        out.append(e)
    return out


def choose_safety_threshold(p_safety: np.ndarray, is_safety: np.ndarray, target_recall: float,
                            bounds=(0.08, 0.5)) -> float:
    """The highest threshold (within bounds) whose recall of true safety texts is >= target_recall."""
    lo, hi = bounds
    if is_safety.sum() == 0:
        return hi
    best = lo
    for t in np.round(np.arange(lo, hi + 1e-9, 0.01), 2):
        if (p_safety[is_safety] >= t).mean() >= target_recall:
            best = float(t)
    return best


def drop_features(features: _Features, heads: tuple[_Head, ...], keep: np.ndarray) -> None:
    """Keeps only the feature columns in `keep`, in the feature blocks and in every head's weights."""
    features.keep(keep)
    for head in heads:
        head.coef = np.ascontiguousarray(head.coef[:, keep])


def train(examples: list[dict], *, progress: Callable[[str, int, int], None] | None = None,
          params: dict | None = None) -> Model:
    """Trains both heads on examples (dicts with "text", "category", "department")."""
    p = json.loads(json.dumps(DEFAULT_PARAMS))
    if params:
        params = json.loads(json.dumps(params))
        p["block_weights"].update(params.pop("block_weights", {}))
        p.update(params)
    started = time.perf_counter()
    report = progress or (lambda stage, i, n: None)

    examples = _validate(examples)
    if not examples:
        raise ValueError("no usable training examples")
    version = model_version(examples, p)
    real = examples
    if p["taxonomy_pseudo_examples"]:
        examples = examples + _pseudo_examples()
    folds = max(2, int(p["folds"]))

    cleaned = [clean(e["text"]) for e in examples]
    morph = [morphemes(t) for t in cleaned] if "morph" in p["features"] else None
    y_cat = np.array([e["category"] for e in examples])
    y_dep = np.array([e["department"] for e in examples])
    is_pseudo = np.array([bool(e.get("pseudo")) for e in examples])
    owned = y_dep != COMMUNICATION

    def fit(idx):
        feats = _Features(p)
        X = feats.fit_transform([cleaned[i] for i in idx], [morph[i] for i in idx] if morph else None)
        ch = _fit_head(X, y_cat[idx], CATEGORIES, p, p["C_category"],
                       columns=category_columns(feats.names, p["category_exclude"]))
        own = np.flatnonzero(owned[idx])
        dh = _fit_head(X[own], y_dep[idx][own], DEPARTMENTS, p, p["C_department"])
        return feats, ch, dh, X

    # Out-of-fold scores: temperatures (calibration) and the safety threshold.
    real_idx = np.flatnonzero(~is_pseudo)
    oof_cat = np.zeros((len(examples), len(CATEGORIES)))
    oof_dep = np.zeros((len(examples), len(DEPARTMENTS)))
    strat = y_cat[real_idx]
    smallest = int(min(np.unique(strat, return_counts=True)[1]))
    cv_ok = smallest >= 2 and len(real_idx) >= 20
    n_splits = min(folds, smallest) if cv_ok else 0
    report("cross-validation", 0, max(n_splits, 1))
    if cv_ok:
        from sklearn.model_selection import StratifiedKFold

        skf = StratifiedKFold(n_splits=n_splits, shuffle=True, random_state=0)
        for f, (tr, te) in enumerate(skf.split(real_idx, strat)):
            tr_idx = np.concatenate([real_idx[tr], np.flatnonzero(is_pseudo)])
            te_idx = real_idx[te]
            feats, ch, dh, _ = fit(tr_idx)
            Xte = feats.transform([cleaned[i] for i in te_idx], [morph[i] for i in te_idx] if morph else None)
            oof_cat[te_idx] = ch.logits(Xte)
            oof_dep[te_idx] = dh.logits(Xte)
            report("cross-validation", f + 1, n_splits)
    else:  # too few texts to cross-validate: no calibration, a conservative safety threshold
        report("cross-validation", 1, 1)

    yc = np.array([CATEGORIES.index(c) for c in y_cat[real_idx]])
    yd = np.array([DEPARTMENTS.index(d) for d in y_dep[real_idx]])
    own_real = owned[real_idx]
    if cv_ok:
        t_cat = _fit_temperature(oof_cat[real_idx], yc)
        t_dep = _fit_temperature(oof_dep[real_idx][own_real], yd[own_real]) if own_real.any() else 1.0
    else:
        t_cat = t_dep = 1.0
    pc_oof = _softmax(oof_cat[real_idx] / t_cat)
    pd_oof = _softmax(oof_dep[real_idx] / t_dep)
    is_safety = yc == CATEGORIES.index("safety")
    if cv_ok:
        # a safety text read as thanks or spam is missed at any threshold: it counts against the recall
        p_alarm = np.where(safety_alarm_possible(pc_oof), pc_oof[:, CATEGORIES.index("safety")], 0.0)
        safety_threshold = choose_safety_threshold(p_alarm, is_safety,
                                                   p["safety_target_recall"], tuple(p["safety_threshold_bounds"]))
    else:
        safety_threshold = 0.3

    report("final model", 0, 1)
    feats, ch, dh, X = fit(np.arange(len(examples)))
    # drop features whose weights are negligible in both heads (smaller artifact, faster transform)
    drop_features(feats, (ch, dh), (np.abs(ch.coef).max(axis=0) > 1e-5) | (np.abs(dh.coef).max(axis=0) > 1e-5))
    ch.temperature, dh.temperature = t_cat, t_dep

    oof_metrics = _oof_metrics(pc_oof, pd_oof, yc, yd, safety_threshold, p["confidence"]) if cv_ok else {}
    metadata = {
        "trained_on": len(real),
        "pseudo_examples": int(is_pseudo.sum()),
        "by_category": {c: int((y_cat[real_idx] == c).sum()) for c in CATEGORIES},
        "by_department": {d: int((y_dep[real_idx] == d).sum()) for d in DEPARTMENTS},
        "by_source": _count(e.get("source", "unknown") for e in real),
        "params": p,
        "n_features": feats.n_features,
        "temperature": {"category": t_cat, "department": t_dep},
        "safety_threshold": safety_threshold,
        "cross_validation": oof_metrics,
        "evaluation": oof_metrics,
        "train_seconds": round(time.perf_counter() - started, 2),
        "code": _code_hash()[:12],
    }
    report("final model", 1, 1)
    return Model(feats, ch, dh, safety_threshold, p, version, metadata)


def _count(items) -> dict:
    out: dict = {}
    for i in items:
        out[i] = out.get(i, 0) + 1
    return out


def _oof_metrics(pc, pd, yc, yd, safety_threshold, mode="joint") -> dict:
    """Out-of-fold figures on the training data (k-fold inside train)."""
    cats = [decide_category(row, safety_threshold)[0] for row in pc]
    decided = [decide_department(c, rc, rd, mode) for c, rc, rd in zip(cats, pc, pd)]
    deps = [d for d, _ in decided]
    conf = np.array([c for _, c in decided])
    true_c = [CATEGORIES[i] for i in yc]
    true_d = [DEPARTMENTS[i] for i in yd]
    f1s = []
    for c in CATEGORIES:
        tp = sum(a == c and b == c for a, b in zip(cats, true_c))
        fp = sum(a == c and b != c for a, b in zip(cats, true_c))
        fn = sum(a != c and b == c for a, b in zip(cats, true_c))
        if tp + fp + fn:
            f1s.append(2 * tp / (2 * tp + fp + fn))
    n_s = sum(b == "safety" for b in true_c)
    right = np.array([a == b for a, b in zip(deps, true_d)])
    return {
        "oof_category_macro_f1": round(float(np.mean(f1s)), 4),
        "oof_department_accuracy": round(float(right.mean()), 4),
        "oof_safety_recall": round(sum(a == "safety" and b == "safety" for a, b in zip(cats, true_c)) / n_s, 4) if n_s else None,
        "oof_confidence_mean": round(float(conf.mean()), 4),
    }
